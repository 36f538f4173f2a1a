"""OpenAPI generation: every operation documents the one error body for the statuses it
can return (400 bad input, 401 no/invalid credentials, 403 not allowed, 404 not visible,
429 throttled)."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

ERROR_STATUSES = {
    "400": "Invalid input; `fields` names the offending fields.",
    "401": "Missing, invalid or revoked credentials.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "No such object, or not visible to you.",
    "429": "Too many requests; retry after the `Retry-After` header's seconds.",
}


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField(allow_blank=True)
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        for code, description in ERROR_STATUSES.items():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = description
                responses[code] = response
        return responses
