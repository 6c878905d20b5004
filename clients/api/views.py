from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.api.serializers import ClientSerializer, RegisterSerializer
from clients.services import register_client


class RegisterView(APIView):
    """A new client signs up: creates the login and the client record together."""

    permission_classes = [permissions.AllowAny]
    throttle_scope = "auth"

    @extend_schema(request=RegisterSerializer, responses={201: ClientSerializer})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        client = register_client(**serializer.validated_data)
        return Response(ClientSerializer(client).data, status=status.HTTP_201_CREATED)
