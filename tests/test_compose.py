"""docker-compose.yml, as a technician would run it: it validates with the documented .env,
migrations run once in a one-shot service the application services wait for, and every
long-running service has a health check. (There is no Docker engine here: `config` only.)"""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP_SERVICES = ("web", "worker", "beat")


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_docker_compose_config_validates_with_the_documented_env(tmp_path):
    shutil.copy(ROOT / "docker-compose.yml", tmp_path)
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")

    result = subprocess.run(
        ["docker-compose", "config", "-q"], cwd=tmp_path, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr


def test_migrations_run_once_before_web_worker_and_beat():
    services = COMPOSE["services"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    for name in APP_SERVICES:
        assert "migrate" not in str(services[name]["command"]), name
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_every_long_running_service_has_a_health_check():
    for name, service in COMPOSE["services"].items():
        if name in ("migrate", "proxy") or "tools" in service.get("profiles", []):
            continue
        assert service["healthcheck"]["test"], name


def test_only_the_proxy_publishes_a_port():
    published = {name for name, service in COMPOSE["services"].items() if "ports" in service}
    assert published == {"proxy"}


DOCKERFILE = "\n".join(
    line for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.startswith("#")
)


def test_the_image_is_built_in_two_stages_from_production_requirements_only():
    stages = [line for line in DOCKERFILE.splitlines() if line.startswith("FROM ")]
    assert [line.split()[-1] for line in stages] == ["builder", "runtime"]
    assert "requirements-dev" not in DOCKERFILE and "requirements-embedded" not in DOCKERFILE
    runtime = DOCKERFILE.split("AS runtime", 1)[1]
    builder = DOCKERFILE.split("AS runtime", 1)[0]
    assert "pip wheel --wheel-dir /wheels -r /wheels/requirements.txt" in builder
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime
    assert "pip" not in runtime  # nothing installed in the runtime stage but the environment
    assert "USER kneadly" in runtime
    assert 'CMD ["python", "manage.py", "healthcheck", "web"]' in runtime
    assert 'CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]' in runtime


def test_the_build_context_leaves_out_development_files_and_secrets():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {"devtools", "tests", "bench", ".env", ".venv", "var"} <= ignored


def test_the_compose_backup_tools_use_the_same_flags_as_the_commands():
    from clinic.backups import DUMP_FLAGS, RESTORE_FLAGS

    services = COMPOSE["services"]
    assert all(flag in " ".join(services["backup"]["entrypoint"]) for flag in DUMP_FLAGS)
    assert services["restore"]["entrypoint"][1:-2] == RESTORE_FLAGS
    for name in ("backup", "restore"):
        assert services[name]["profiles"] == ["tools"]  # never started by `up`
        assert services[name]["image"] == services["postgres"]["image"]  # client = server
