"""Every setting read from the environment is in .env.example and in the README's table."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READS = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\.setdefault|env_bool|env_list|_int)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|os\.environ\[["']([A-Z][A-Z0-9_]+)["']\]"""
)
# Read by the settings, but set by the machinery rather than a deployer.
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR"}


def settings_read() -> set[str]:
    names = set()
    for path in ("config/settings.py", "config/gunicorn.py"):
        for match in READS.finditer((ROOT / path).read_text()):
            names.add(match.group(1) or match.group(2))
    return names - NOT_SETTINGS


def test_the_scan_finds_the_settings():
    assert {"SECRET_KEY", "DATABASE_URL", "LOG_LEVEL", "WEB_CONCURRENCY"} <= settings_read()


def test_every_setting_is_in_env_example():
    text = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))

    assert settings_read() - listed == set()


def test_every_setting_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    documented = {
        name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split(" | ")[0])
    }

    assert settings_read() - documented == set()
