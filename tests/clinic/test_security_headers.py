"""Headers for health data: no-store on personal answers, CSP and Permissions-Policy on every
answer; the browsable API, Swagger UI and schema only when a setting turns them on."""

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from tests import factories
from tests.clinic.test_settings import settings_value


@pytest.mark.django_db
class TestCacheControl:
    @pytest.mark.parametrize(
        "path", ["/api/v1/auth/me/", "/api/v1/clients/", "/api/v1/bookings/", "/api/v1/clinic/"]
    )
    def test_a_signed_in_answer_is_never_stored(self, clinic, path):
        api = factories.api_as(factories.make_client().user)

        response = api.get(path)

        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"

    @pytest.mark.parametrize("path", ["/api/v1/auth/me/", "/api/v1/clients/999/"])
    def test_errors_and_refusals_are_not_stored_either(self, clinic, anon, path):
        assert anon.get(path)["Cache-Control"] == "no-store"

    def test_a_client_record_is_not_stored(self, clinic):
        client = factories.make_client()

        response = factories.api_as(client.user).get(f"/api/v1/clients/{client.pk}/")

        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"

    @pytest.mark.parametrize(
        "path", ["/api/v1/clinic/", "/api/v1/services/", "/api/v1/therapists/"]
    )
    def test_the_public_catalogue_read_anonymously_may_be_cached(self, clinic, anon, path):
        response = anon.get(path)

        assert response.status_code == 200
        assert "no-store" not in response.get("Cache-Control", "")

    def test_a_sign_in_is_not_stored(self, clinic, anon):
        factories.make_user("tess")

        response = anon.post(
            "/api/v1/auth/token/", {"username": "tess", "password": factories.PASSWORD}
        )

        assert response["Cache-Control"] == "no-store"


def directives(csp: str) -> dict[str, list[str]]:
    parts = (d.split() for d in csp.split(";") if d.strip())
    return {name: values for name, *values in parts}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/health/", "/api/v1/auth/me/", "/admin/login/"])
def test_every_answer_has_a_csp_and_a_permissions_policy(clinic, client, path):
    response = client.get(path)

    csp = directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no inline script, nothing from elsewhere
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_swagger_ui_runs_under_the_csp(clinic, client):
    """Every script the page runs comes from this site as a file (none inline), so
    `script-src 'self'` lets it run; the start-up script is served too."""
    page = client.get("/api/docs/")
    html = page.content.decode()

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    assert all('src="' in attrs and not body.strip() for attrs, body in scripts)
    sources = [s.replace("&amp;", "&") for s in re.findall(r'<script[^>]*src="([^"]+)"', html)]
    assert all(src.startswith("/") for src in sources), sources  # same origin
    static = [s for s in sources if s.startswith(settings.STATIC_URL)]
    assert len(static) == 2  # the sidecar's bundles, shipped in the package
    assert all(finders.find(s.removeprefix(settings.STATIC_URL)) for s in static)
    [start_up] = [s for s in sources if not s.startswith(settings.STATIC_URL)]
    script = client.get(start_up)
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
    assert directives(page["Content-Security-Policy"])["script-src"] == ["'self'"]


def _docs(**env) -> str:
    code = (
        "import django.urls as u\n"
        "try:\n    u.resolve('/api/schema/'); u.resolve('/api/docs/'); print('docs on')\n"
        "except u.Resolver404:\n    print('docs off')\n"
        "print(settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'])"
    )
    return settings_value(f"exec({code!r})", **env)


def test_in_production_the_docs_and_browsable_api_are_off():
    out = _docs(SECRET_KEY="x" * 50, DEBUG="0")

    assert "docs off" in out
    assert "BrowsableAPIRenderer" not in out


def test_a_setting_turns_them_on_in_production():
    out = _docs(SECRET_KEY="x" * 50, DEBUG="0", API_DOCS_PUBLIC="1")

    assert "docs on" in out
    assert "BrowsableAPIRenderer" in out


def test_under_debug_they_are_on():
    assert "docs on" in _docs(DEBUG="1")
