"""A trivial DRF create: a `ModelViewSet` on `Memo`, with the project's default
authentication, permission, throttling and renderer settings."""

from django.urls import include, path
from rest_framework import routers, serializers, viewsets

from bench.ceiling.models import Memo
from config.urls import urlpatterns as project_urlpatterns


class MemoSerializer(serializers.ModelSerializer):
    class Meta:
        model = Memo
        fields = ["id", "text", "touched"]


class MemoViewSet(viewsets.ModelViewSet):
    queryset = Memo.objects.all()
    serializer_class = MemoSerializer


router = routers.SimpleRouter()
router.register("bench/memos", MemoViewSet, basename="bench-memo")
urlpatterns = [path("api/v1/", include(router.urls)), *project_urlpatterns]
