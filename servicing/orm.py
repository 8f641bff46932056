"""Small ORM helpers shared by the apps."""

from __future__ import annotations

from django.db import models


class SavesChangedFields:
    """A model mixin: ``save_changed()`` UPDATEs only the columns whose value differs from
    the row as it was last read or saved, instead of all of them.

    For a row read under its lock (or just inserted) and written back in the same
    transaction, as a loan after a payment: nobody else can have changed it in between.
    JSON columns are always written, as a dict changed in place compares equal to itself.
    """

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        written = kwargs.get("update_fields")
        if written is None:
            self._loaded_values = {
                f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields
            }
        elif getattr(self, "_loaded_values", None) is not None:
            for name in written:
                attname = self._meta.get_field(name).attname
                self._loaded_values[attname] = getattr(self, attname)

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        loaded = getattr(self, "_loaded_values", None)
        if loaded is None:
            return
        for field in self._meta.concrete_fields:
            wanted = fields is None or field.name in fields or field.attname in fields
            if wanted and field.attname in self.__dict__:
                loaded[field.attname] = self.__dict__[field.attname]

    def changed_fields(self) -> list[str] | None:
        """Names of the fields to write; None when the instance was not read whole."""
        loaded = getattr(self, "_loaded_values", None)
        if loaded is None:
            return None
        changed = []
        for field in self._meta.concrete_fields:
            if field.primary_key:
                continue
            if field.attname not in loaded:
                return None  # a deferred column: the whole row was not read
            value = getattr(self, field.attname)
            if isinstance(field, models.JSONField) or value != loaded[field.attname]:
                changed.append(field.name)
        return changed

    def save_changed(self) -> None:
        fields = self.changed_fields()
        if fields is None:
            self.save()
            return
        self.save(update_fields=fields)
