"""URLs of accounts: API routes (pages come with the site's views)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("units", api.UnitViewSet, basename="unit")
router.register("users", api.UserViewSet, basename="user")

api_urlpatterns = [path("me/", api.me, name="me"), *router.urls]
