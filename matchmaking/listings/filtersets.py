"""The browse lists' FilterSets (django-filter), for the apps that filter listings the way the
browse pages do (API, exports, saved searches, insights). They are made from the facet
declarations of the browse package: ``browse/offerings.py`` and ``browse/needs.py``."""

from matchmaking.listings.browse.needs import NeedFilterSet
from matchmaking.listings.browse.offerings import OfferingFilterSet

__all__ = ["NeedFilterSet", "OfferingFilterSet"]
