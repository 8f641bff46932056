"""Trivial POST endpoints used to test Idempotency-Key handling in isolation."""

import time

from django.urls import path
from rest_framework import serializers, status
from rest_framework.response import Response

from servicing.api.idempotency import idempotent
from servicing.api.views import ScopedApi
from servicing.errors import DomainError
from servicing.models import Holiday


class HolidayCreateApi(ScopedApi):
    required_scope = "ops"

    class Input(serializers.Serializer):
        date = serializers.DateField()
        name = serializers.CharField(max_length=100)

    @idempotent
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        if Holiday.objects.filter(date=data.validated_data["date"]).exists():
            raise DomainError("holiday_exists", "That day is already a holiday.")
        holiday = Holiday.objects.create(**data.validated_data)
        return Response(
            {"id": holiday.pk, "date": holiday.date, "name": holiday.name},
            status=status.HTTP_201_CREATED,
        )


class SlowHolidayCreateApi(HolidayCreateApi):
    """Stores the holiday, then takes a while to answer (a concurrent retry arrives)."""

    @idempotent
    def post(self, request):
        response = HolidayCreateApi.post.__wrapped__(self, request)
        time.sleep(0.5)
        return response


class CrashingHolidayCreateApi(HolidayCreateApi):
    """Stores the holiday, then dies before answering (a bug, a killed worker)."""

    @idempotent
    def post(self, request):
        HolidayCreateApi.post.__wrapped__(self, request)
        raise RuntimeError("died after the work")


urlpatterns = [
    path("api/v1/holidays", HolidayCreateApi.as_view()),
    path("api/v1/holidays/slow", SlowHolidayCreateApi.as_view()),
    path("api/v1/holidays/crash", CrashingHolidayCreateApi.as_view()),
]
