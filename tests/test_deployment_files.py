"""The deployment files agree with the code: settings, CLI commands, routes, pinned images, bound ports.

No Docker engine is needed: these tests read docker-compose.yml, the Dockerfile, .env.example and
the deployment guides as text and compare them with Settings, the typer app and the API router.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from api.app import create_app
from archive.settings import Settings
from cli.main import app as cli_app

# PyYAML comes with the test extra because moto[server] depends on it. It is not a declared dependency.
yaml = pytest.importorskip("yaml", reason="PyYAML is not installed, so docker-compose.yml cannot be parsed")

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
GUIDES = tuple(ROOT / "docs" / name for name in (
    "deployment.md", "deployment.zh-CN.md", "performance.md", "performance.zh-CN.md"))

EXPECTED_SERVICES = {"postgres", "minio", "meilisearch", "migrate", "app", "worker", "scheduler"}
ONE_SHOT_SERVICES = {"migrate"}
ARCHIVE_SERVICES = ("migrate", "app", "worker", "scheduler")
REQUIRED_SECRETS = ("POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD", "MEILI_MASTER_KEY")
# archive/search/meili_index.py uses federated multi-search, which Meilisearch added in 1.10.
MIN_MEILISEARCH_MINOR = 10

SETTING_NAME = re.compile(r"CONTRACT_ARCHIVE_([A-Z0-9_]+)")
# An invocation: the program name at the start of a word or after a path, then a lowercase word.
INVOCATION = re.compile(r"(?:^|(?<=[\s/]))contract-archive[ \t]+([a-z][a-z-]*(?=[\s\]`]|$)[^\n`|;&>#]*)")
FENCED_BLOCK = re.compile(r"```[a-z]*\n(.*?)```", re.DOTALL)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
COMPOSE_REFERENCE = re.compile(r"\$\{[A-Z0-9_]+(?::-(?P<default>[^}]*)|:\?[^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def compose_invocations(services: dict[str, dict[str, Any]]) -> list[str]:
    """Return the arguments after `contract-archive` in every service command."""
    found = []
    for service in services.values():
        command = service.get("command")
        if isinstance(command, list) and command and command[0] == "contract-archive":
            found.append(shlex.join(command[1:]))
    return found


def dockerfile_invocations() -> list[str]:
    found = []
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if line.startswith(("CMD ", "ENTRYPOINT ")):
            command = json.loads(line.split(maxsplit=1)[1])
            if command[0] == "contract-archive":
                found.append(shlex.join(command[1:]))
    return found


def guide_invocations(path: Path) -> list[str]:
    """Return the arguments after `contract-archive` in the guide's code blocks and inline code."""
    text = path.read_text(encoding="utf-8")
    code = FENCED_BLOCK.findall(text)
    prose = FENCED_BLOCK.sub("", text)
    code.extend(INLINE_CODE.findall(prose))
    return [match.strip() for snippet in code for match in INVOCATION.findall(snippet)]


def resolve_command(arguments: str) -> tuple[Any, list[str]]:
    """Walk the typer app down the subcommand words. Return the command reached, or None, and the remaining words."""
    words = shlex.split(arguments.replace("[", " ").replace("]", " "))
    # Typer 0.29 ships its own copy of click, so groups are recognised by their `commands`, not by class.
    command = get_command(cli_app)
    while words and hasattr(command, "commands") and not words[0].startswith("-"):
        subcommand = command.commands.get(words[0])
        if subcommand is None:
            return None, words
        command = subcommand
        words = words[1:]
    return command, words


def test_compose_defines_all_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == EXPECTED_SERVICES


@pytest.mark.parametrize("name", sorted(EXPECTED_SERVICES - ONE_SHOT_SERVICES))
def test_long_running_service_has_healthcheck(services: dict[str, dict[str, Any]], name: str) -> None:
    healthcheck = services[name].get("healthcheck", {})
    assert healthcheck.get("test"), f"{name} has no healthcheck test"
    assert not healthcheck.get("disable", False)


@pytest.mark.parametrize("name", ["app", "worker", "scheduler"])
def test_service_waits_for_migrate(services: dict[str, dict[str, Any]], name: str) -> None:
    depends_on = services[name]["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"


def test_migrate_runs_once_after_postgres(services: dict[str, dict[str, Any]]) -> None:
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["command"] == ["contract-archive", "migrate"]
    assert services["migrate"].get("restart") == "no"


def test_archive_services_share_environment(services: dict[str, dict[str, Any]]) -> None:
    environments = [services[name]["environment"] for name in ARCHIVE_SERVICES]
    assert all(environment == environments[0] for environment in environments)


def test_archive_environment_selects_deployment_backends(services: dict[str, dict[str, Any]]) -> None:
    environment = services["app"]["environment"]
    assert environment["CONTRACT_ARCHIVE_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert environment["CONTRACT_ARCHIVE_BLOB_STORE"] == "s3"
    assert environment["CONTRACT_ARCHIVE_S3_ENDPOINT"] == "minio:9000"
    assert environment["CONTRACT_ARCHIVE_SEARCH_BACKEND"] == "meilisearch"
    assert environment["CONTRACT_ARCHIVE_MEILI_URL"] == "http://meilisearch:7700"
    assert environment["CONTRACT_ARCHIVE_JOB_BACKEND"] == "procrastinate"


@pytest.mark.parametrize("path", [COMPOSE_FILE, DOCKERFILE, ENV_EXAMPLE, *GUIDES], ids=lambda path: path.name)
def test_archive_variables_are_settings(path: Path) -> None:
    names = set(SETTING_NAME.findall(path.read_text(encoding="utf-8")))
    unknown = sorted(name for name in names if name.lower() not in Settings.model_fields)
    assert unknown == []


def _placeholder(match: re.Match[str]) -> str:
    """Replace a ${VAR:-default} reference with its default, and a required ${VAR:?...} with a placeholder."""
    default = match.group("default")
    return default if default is not None else "placeholder"


def test_compose_setting_values_are_valid(services: dict[str, dict[str, Any]]) -> None:
    """Build Settings from the compose environment, with placeholders for the ${...} references."""
    environment = services["app"]["environment"]
    values = {
        key.removeprefix("CONTRACT_ARCHIVE_").lower(): COMPOSE_REFERENCE.sub(_placeholder, str(value))
        for key, value in environment.items()
    }
    settings = Settings(_env_file=None, **values)
    assert settings.s3_secure is False
    assert settings.language == "zh_CN"


def test_compose_commands_exist(services: dict[str, dict[str, Any]]) -> None:
    invocations = compose_invocations(services) + dockerfile_invocations()
    assert invocations, "no contract-archive command found in docker-compose.yml or the Dockerfile"
    for arguments in invocations:
        command, words = resolve_command(arguments)
        assert command is not None, f"`contract-archive {arguments}`: no such command"
        options = {option for parameter in command.params for option in parameter.opts}
        unknown = [word.split("=")[0] for word in words if word.startswith("--") and word.split("=")[0] not in options]
        assert unknown == [], f"`contract-archive {arguments}`: unknown options"


@pytest.mark.parametrize("path", GUIDES, ids=lambda path: path.name)
def test_guide_commands_exist(path: Path) -> None:
    invocations = guide_invocations(path)
    assert invocations, f"no contract-archive command found in {path.name}"
    for arguments in invocations:
        command, words = resolve_command(arguments)
        assert command is not None, f"`contract-archive {arguments}` in {path.name}: no such command"
        options = {option for parameter in command.params for option in parameter.opts}
        unknown = [word for word in words if word.startswith("--") and word not in options]
        assert unknown == [], f"`contract-archive {arguments}` in {path.name}: unknown options"


def test_app_healthcheck_uses_existing_route(services: dict[str, dict[str, Any]]) -> None:
    test = " ".join(services["app"]["healthcheck"]["test"])
    path = re.search(r"http://127\.0\.0\.1:8000(/[^'\"\s)]*)", test)
    assert path is not None, "the app healthcheck requests no URL on port 8000"
    assert path.group(1) in app_paths()


def app_paths() -> set[str]:
    """Return the path of every route of the app, looking inside included routers."""
    from tests.api.test_access_matrix import flat_routes

    return {prefix + route.path for prefix, route in flat_routes(create_app(Settings(_env_file=None)).routes)}


@pytest.mark.parametrize("name", ["postgres", "minio", "meilisearch"])
def test_service_image_is_pinned(services: dict[str, dict[str, Any]], name: str) -> None:
    image = services[name]["image"]
    repository, _, tag = image.rpartition(":")
    assert repository and "/" not in tag, f"{image} has no tag"
    assert tag != "latest"
    assert re.search(r"\d", tag), f"{image} is not pinned to a version"


def test_postgres_is_pinned_to_minor_release(services: dict[str, dict[str, Any]]) -> None:
    assert re.fullmatch(r"postgres:16\.\d+", services["postgres"]["image"])


def test_minio_is_pinned_to_release(services: dict[str, dict[str, Any]]) -> None:
    assert re.fullmatch(r"(quay\.io/)?minio/minio:RELEASE\.[0-9T-]+Z", services["minio"]["image"])


def test_meilisearch_is_recent_enough(services: dict[str, dict[str, Any]]) -> None:
    version = re.fullmatch(r"getmeili/meilisearch:v1\.(\d+)\.\d+", services["meilisearch"]["image"])
    assert version is not None
    assert int(version.group(1)) >= MIN_MEILISEARCH_MINOR


def test_dockerfile_base_image_is_pinned() -> None:
    base = re.search(r"^FROM (\S+)", DOCKERFILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert base is not None
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", base.group(1))


def test_dockerfile_runs_as_non_root() -> None:
    users = re.findall(r"^USER (\S+)", DOCKERFILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert users, "the Dockerfile sets no USER"
    assert users[-1] not in {"root", "0"}


def test_published_ports_bind_loopback(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


@pytest.mark.parametrize("secret", REQUIRED_SECRETS)
def test_secret_is_required(secret: str) -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    references = re.findall(r"\$\{" + secret + r"([^}]*)\}", text)
    assert references, f"{secret} is not used"
    assert all(reference.startswith(":?") for reference in references), f"{secret} has a default or no error"


@pytest.mark.parametrize("secret", REQUIRED_SECRETS)
def test_env_example_leaves_secret_empty(secret: str) -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    assert f"{secret}=" in lines
