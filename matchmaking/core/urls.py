from django.conf import settings
from django.urls import path

from matchmaking.core import views
from matchmaking.env import env_bool

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
]

# A plain HttpResponse through the whole middleware stack: the yardstick `python -m tools.loadtest`
# compares every page with. Only routed in debug or with DJANGO_BENCH_VIEWS=1.
if settings.DEBUG or env_bool("DJANGO_BENCH_VIEWS", False):
    urlpatterns.append(path("_bench/plain", views.bench_plain, name="bench-plain"))
