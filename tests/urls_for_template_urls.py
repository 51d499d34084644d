"""A URLconf of one route, for tests/test_template_urls.py."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [
    path("elsewhere/<int:pk>/", lambda request, pk: HttpResponse(), name="measure-detail")
]
