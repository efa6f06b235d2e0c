"""The search API's answer, declared for the OpenAPI schema."""

from rest_framework import serializers


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["customer", "contact", "opportunity"])
    id = serializers.IntegerField()
    title = serializers.CharField()
    subtitle = serializers.CharField()
    url = serializers.CharField(help_text="The record's page.")
    highlight = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        help_text="[start, end) offsets in `title` of the text that matched.",
    )


class SearchResultsSerializer(serializers.Serializer):
    query = serializers.CharField(help_text="The query as searched (at most 100 characters).")
    customers = SearchHitSerializer(many=True)
    contacts = SearchHitSerializer(many=True)
    opportunities = SearchHitSerializer(many=True)


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=50, default=10)
