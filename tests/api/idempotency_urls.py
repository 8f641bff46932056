"""A trivial POST endpoint used to test Idempotency-Key handling in isolation."""

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


urlpatterns = [path("api/v1/holidays", HolidayCreateApi.as_view())]
