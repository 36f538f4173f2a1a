"""Small model building blocks shared by every app."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def keep_counters(instance: models.Model, kwargs: dict, counters: tuple[str, ...]) -> dict:
    """``save()`` keyword arguments that leave the fields ``counters`` out of a save of an
    existing row: counters only ever moved by ``UPDATE … SET f = f + 1`` (a revision keying
    cached values), which a save of an instance read before such an update must not write
    back. The other fields are written as Django would (the loaded ones only)."""
    if instance._state.adding or instance.pk is None:  # an insert (or a copy: pk = None)
        return kwargs
    if kwargs.get("update_fields") is not None or kwargs.get("force_insert"):
        return kwargs
    deferred = instance.get_deferred_fields()
    return {
        **kwargs,
        "update_fields": [
            field.name
            for field in instance._meta.concrete_fields
            if not field.primary_key
            and field.name not in counters
            and field.attname not in deferred
        ],
    }


class TimeStampedModel(models.Model):
    """Adds creation and last-modification times."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class ChangeRecord(models.Model):
    """One saved or deleted row, written in the transaction that changed it (the change feed,
    core/changes.py): the per-process indexes follow these records instead of timestamps."""

    id = models.BigAutoField(primary_key=True)
    label = models.CharField(max_length=100)  # the model's "app_label.model_name"
    object_id = models.BigIntegerField()
    kind = models.CharField(max_length=8)  # changes.SAVED or changes.DELETED
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.label} {self.object_id}"
