"""The operator's kit: deploy/k8s, deploy/argocd, the Dockerfile and .dockerignore.

Every manifest is validated against the Kubernetes OpenAPI schemas in strict mode
(kubernetes-validate, offline), the Dockerfile is linted by hadolint, and then come the
checks a reviewer would make by hand: the names, counts and metrics of the operations
manual, probes, resources, security contexts, configuration by reference only, the
blue/green pair, the migration Job and the Argo CD Application. A missing tool fails these
tests (`pip install -e '.[dev]'` installs both); it never skips them.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from autoclip.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
APPLICATION = ROOT / "deploy" / "argocd" / "application.yaml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
SECRET_TEMPLATE = K8S / "secret.example.yaml"

# The oldest Kubernetes the manifests promise to work on, and the newest whose schemas
# kubernetes-validate bundles (1.37.0 of the package, pinned as a floor in pyproject.toml).
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")

NAMESPACE = "autoclip"
CONFIG_MAP = "autoclip-config"
SECRET = "autoclip-secrets"
UID = 10001
DATA_DIR = "/var/lib/autoclip"
API, GREEN, WORKER = "autoclip-api", "autoclip-api-green", "autoclip-worker"
COLOURS = {"blue", "green"}

# Environment keys that are not fields of autoclip.settings.Settings, and who reads them.
NOT_SETTINGS = {
    "AUTOCLIP_LOG_LEVEL": "autoclip.service.cli reads it from os.environ",
    "MAINTENANCE_MODE": "the operations manual's read-only switch",
    "AWS_DEFAULT_REGION": "boto3",
    "AWS_ACCESS_KEY_ID": "boto3",
    "AWS_SECRET_ACCESS_KEY": "boto3",
}

Doc = dict[str, Any]


# -- loading ---------------------------------------------------------------------------------


def load_docs_from_text(text: str, where: str) -> list[Doc]:
    docs = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    assert all(isinstance(doc, dict) for doc in docs), f"{where}: a document is not a map"
    return docs


def load_docs(path: Path) -> list[Doc]:
    return load_docs_from_text(path.read_text(), path.name)


def kustomization() -> Doc:
    (doc,) = load_docs(K8S / "kustomization.yaml")
    return doc


def manifest_files() -> list[Path]:
    """The YAML files under deploy/k8s that are Kubernetes manifests (all but kustomize's)."""
    files = sorted([*K8S.glob("*.yaml"), *K8S.glob("*.yml")])
    return [path for path in files if path.name != "kustomization.yaml"]


def applied() -> dict[tuple[str, str], Doc]:
    """What `kubectl apply -k deploy/k8s` creates, by (kind, name)."""
    found: dict[tuple[str, str], Doc] = {}
    for name in kustomization()["resources"]:
        for doc in load_docs(K8S / name):
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in found, f"{key} is defined twice"
            found[key] = doc
    return found


@pytest.fixture(scope="module")
def resources() -> dict[tuple[str, str], Doc]:
    return applied()


def workloads(resources: dict[tuple[str, str], Doc]) -> Iterator[tuple[str, Doc]]:
    """(kind/name, pod template) of every Deployment and Job."""
    for (kind, name), doc in resources.items():
        if kind in {"Deployment", "Job"}:
            yield f"{kind}/{name}", doc["spec"]["template"]


def containers(pod: Doc) -> list[Doc]:
    spec = pod["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def image_repository(image: str) -> str:
    name, _, tag = image.rpartition(":")
    return name if name and "/" not in tag else image


def require_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        pytest.fail(f"{name} is not installed: pip install -e '.[dev]'", pytrace=False)


def hadolint() -> str:
    # The venv's bin is not on PATH when pytest runs as .venv/bin/pytest (the Makefile).
    beside = Path(sys.executable).parent / "hadolint"
    found = str(beside) if beside.is_file() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is not installed: pip install -e '.[dev]'", pytrace=False)
    return found


def quantity(value: str | int) -> Fraction:
    """A Kubernetes resource quantity (500m, 2, 384Mi, 3Gi, 1e3) as a number."""
    text = str(value)
    units = {
        "m": Fraction(1, 1000),
        "k": Fraction(10**3),
        "M": Fraction(10**6),
        "G": Fraction(10**9),
        "Ki": Fraction(2**10),
        "Mi": Fraction(2**20),
        "Gi": Fraction(2**30),
        "Ti": Fraction(2**40),
    }
    match = re.fullmatch(r"(\d+(?:\.\d+)?(?:e\d+)?)(m|k|M|G|Ki|Mi|Gi|Ti)?", text)
    assert match, f"not a quantity: {text!r}"
    return Fraction(match[1]) * units.get(match[2] or "", Fraction(1))


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


# -- schema validation -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def kubernetes_validate() -> ModuleType:
    module = require_module("kubernetes_validate.utils")
    bundled = module.all_versions()
    for version in KUBERNETES_VERSIONS:
        # validate() silently falls back to the newest older schema it has: insist.
        assert version in bundled, f"kubernetes-validate has no {version} schemas: {bundled}"
    return module


def validate_strict(kv: ModuleType, doc: Doc, version: str, where: str) -> None:
    try:
        kv.validate(doc, version, strict=True)
    except kv.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        pytest.fail(f"{where}: Kubernetes {version}: {path}: {error.message}", pytrace=False)
    except kv.SchemaNotFoundError as error:
        # The CLI only warns here (exit 0); an unknown kind or apiVersion is a mistake in
        # these manifests, which use no custom resources.
        pytest.fail(f"{where}: {error.message}", pytrace=False)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize(
    # The commented-out Secret template has its own test, below.
    "path",
    [path for path in manifest_files() if path != SECRET_TEMPLATE],
    ids=lambda path: path.name,
)
def test_manifest_validates_strictly(
    kubernetes_validate: ModuleType, path: Path, version: str
) -> None:
    for doc in load_docs(path):
        where = f"{path.name} {doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        validate_strict(kubernetes_validate, doc, version, where)


def test_validation_is_strict(kubernetes_validate: ModuleType) -> None:
    """A misspelt field fails, so the passes above mean something."""
    (service, _) = load_docs(K8S / "service.yaml")
    service["spec"]["selecter"] = service["spec"].pop("selector")
    with pytest.raises(kubernetes_validate.ValidationError, match="selecter"):
        kubernetes_validate.validate(service, KUBERNETES_VERSIONS[0], strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    doc = kustomization()
    assert doc["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert doc["kind"] == "Kustomization"
    assert doc["namespace"] == NAMESPACE
    listed = doc["resources"]
    assert len(listed) == len(set(listed)), "a resource is listed twice"
    expected = {path.name for path in manifest_files()} - {SECRET_TEMPLATE.name}
    assert set(listed) == expected


def test_every_resource_lives_in_the_namespace(resources: dict[tuple[str, str], Doc]) -> None:
    namespace = resources[("Namespace", NAMESPACE)]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for (kind, name), doc in resources.items():
        if kind != "Namespace":
            assert doc["metadata"].get("namespace") == NAMESPACE, f"{kind}/{name}"


def test_names_as_in_the_manual(resources: dict[tuple[str, str], Doc]) -> None:
    expected = {
        ("Namespace", NAMESPACE),
        ("ConfigMap", CONFIG_MAP),
        ("Deployment", API),
        ("Deployment", GREEN),
        ("Deployment", WORKER),
        ("HorizontalPodAutoscaler", API),
        ("HorizontalPodAutoscaler", GREEN),
        ("HorizontalPodAutoscaler", WORKER),
        ("PodDisruptionBudget", API),
        ("PodDisruptionBudget", WORKER),
        ("Service", API),
        ("Ingress", API),
        ("Job", "autoclip-db-migrate"),
    }
    assert expected <= set(resources)
    assert not any(kind == "Secret" for kind, _ in resources), "secrets are never in git"


# -- scaling ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [API, GREEN])
def test_api_scales_3_to_10_on_cpu_and_latency(
    resources: dict[tuple[str, str], Doc], name: str
) -> None:
    hpa = resources[("HorizontalPodAutoscaler", name)]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 10)
    assert resources[("Deployment", name)]["spec"]["replicas"] == 3
    by_type = {metric["type"]: metric for metric in hpa["metrics"]}
    assert by_type["Resource"]["resource"]["name"] == "cpu"
    latency = by_type["Pods"]["pods"]
    assert "duration" in latency["metric"]["name"]
    # Scale out before the HighLatency alert's 2 s.
    assert quantity(latency["target"]["averageValue"]) < 2


def test_workers_scale_2_to_5_on_queue_depth(resources: dict[tuple[str, str], Doc]) -> None:
    hpa = resources[("HorizontalPodAutoscaler", WORKER)]["spec"]
    assert hpa["scaleTargetRef"]["name"] == WORKER
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 5)
    assert resources[("Deployment", WORKER)]["spec"]["replicas"] == 2
    (metric,) = hpa["metrics"]
    kind = metric["type"]
    assert kind in {"External", "Object", "Pods"}
    source = metric[kind[0].lower() + kind[1:]]
    assert source["metric"]["name"] == "bull_waiting_count"
    assert source["metric"]["selector"]["matchLabels"] == {"queue": "content-generation"}


def test_disruption_budgets_cover_each_deployment(resources: dict[tuple[str, str], Doc]) -> None:
    budgets = [doc for (kind, _), doc in resources.items() if kind == "PodDisruptionBudget"]
    for (kind, name), deployment in resources.items():
        if kind != "Deployment":
            continue
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        covering = [b for b in budgets if selects(b["spec"]["selector"]["matchLabels"], labels)]
        assert len(covering) == 1, f"{name}: {len(covering)} PodDisruptionBudgets"
        spec = covering[0]["spec"]
        floor = resources[("HorizontalPodAutoscaler", name)]["spec"]["minReplicas"]
        # A drain must be able to proceed, one pod at a time.
        if "maxUnavailable" in spec:
            assert spec["maxUnavailable"] >= 1
        else:
            assert spec["minAvailable"] < floor


def test_pods_spread_over_nodes(resources: dict[tuple[str, str], Doc]) -> None:
    for (kind, name), deployment in resources.items():
        if kind != "Deployment":
            continue
        pod = deployment["spec"]["template"]
        spread = pod["spec"].get("topologySpreadConstraints", [])
        keys = {
            c["topologyKey"]
            for c in spread
            if selects(c["labelSelector"]["matchLabels"], pod["metadata"]["labels"])
        }
        anti = pod["spec"].get("affinity", {}).get("podAntiAffinity")
        assert "kubernetes.io/hostname" in keys or anti, f"{name}: no spread over nodes"


# -- pods ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [API, GREEN])
def test_api_probes_health_and_ready(resources: dict[tuple[str, str], Doc], name: str) -> None:
    pod = resources[("Deployment", name)]["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": 8000}
    assert container["args"][:1] == ["serve"]
    assert "--port" in container["args"]
    assert container["args"][container["args"].index("--port") + 1] == "8000"

    def probe(kind: str) -> tuple[str, int]:
        get = container[kind]["httpGet"]
        return get["path"], ports.get(get["port"], get["port"])

    assert probe("livenessProbe") == ("/health", 8000)
    assert probe("readinessProbe") == ("/ready", 8000)
    assert probe("startupProbe") == ("/health", 8000)
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == "8000"
    assert annotations["prometheus.io/path"] == "/metrics"


def test_worker_runs_the_worker_and_probes_nothing_it_cannot_answer(
    resources: dict[tuple[str, str], Doc],
) -> None:
    """The worker's only HTTP is its metrics server: a probe must name a port the container
    declares, the one `--metrics-port` opens, and Prometheus must be told to scrape it."""
    template = resources[("Deployment", WORKER)]["spec"]["template"]
    (container,) = template["spec"]["containers"]
    assert container["args"] == ["worker", "--metrics-port", "9464"]
    assert template["metadata"]["annotations"]["prometheus.io/port"] == "9464"
    assert "livenessProbe" in container
    declared = {p["containerPort"] for p in container.get("ports", [])}
    declared |= {p["name"] for p in container.get("ports", [])}
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        if kind in container:
            assert "httpGet" in container[kind], f"{kind}: only an HTTP probe checks health"
            assert container[kind]["httpGet"]["port"] in declared, kind


def test_every_container_requests_and_limits_resources(
    resources: dict[tuple[str, str], Doc],
) -> None:
    for where, pod in workloads(resources):
        for container in containers(pod):
            requests = container["resources"]["requests"]
            limits = container["resources"]["limits"]
            for resource in ("cpu", "memory"):
                assert quantity(requests[resource]) <= quantity(limits[resource]), (
                    f"{where}/{container['name']}: {resource} request above its limit"
                )


def test_pods_run_locked_down(resources: dict[tuple[str, str], Doc]) -> None:
    for where, pod in workloads(resources):
        spec = pod["spec"]
        assert spec["automountServiceAccountToken"] is False, where
        security = spec["securityContext"]
        assert security["runAsNonRoot"] is True, where
        assert security["runAsUser"] == security["runAsGroup"] == UID, where
        assert security["seccompProfile"]["type"] == "RuntimeDefault", where
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        assert all(set(v) == {"name", "emptyDir"} for v in volumes.values()), where
        for container in containers(pod):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context.get("privileged", False) is False, where
            assert context["capabilities"] == {"drop": ["ALL"]}, where
            # The writable places: /tmp and the data dir, each an emptyDir.
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert set(mounts) == {"/tmp", DATA_DIR}, where
            assert all(name in volumes for name in mounts.values()), where


def test_configuration_comes_only_by_reference(resources: dict[tuple[str, str], Doc]) -> None:
    for where, pod in workloads(resources):
        for container in containers(pod):
            assert container["envFrom"] == [{"configMapRef": {"name": CONFIG_MAP}}], where
            for variable in container.get("env", []):
                assert "value" not in variable, f"{where}: {variable['name']} is inline"
                ref = variable["valueFrom"]["secretKeyRef"]
                assert ref["name"] == SECRET, where
                assert ref["key"] == variable["name"], where
                assert not ref.get("optional", False), f"{where}: {variable['name']} optional"


def secret_keys_referenced(resources: dict[tuple[str, str], Doc]) -> set[str]:
    return {
        variable["valueFrom"]["secretKeyRef"]["key"]
        for _, pod in workloads(resources)
        for container in containers(pod)
        for variable in container.get("env", [])
    }


def setting_exists(key: str) -> bool:
    """AUTOCLIP_WORKER__THREADS → Settings.worker.threads, as pydantic-settings reads it."""
    if not key.startswith("AUTOCLIP_"):
        return False
    *path, field = key.removeprefix("AUTOCLIP_").lower().split("__")
    model: type[BaseModel] = Settings
    for part in path:
        if part not in model.model_fields:
            return False
        nested = model.model_fields[part].annotation
        if not (isinstance(nested, type) and issubclass(nested, BaseModel)):
            return False
        model = nested
    return field in model.model_fields


def test_config_map_keys_are_real_settings(
    resources: dict[tuple[str, str], Doc], monkeypatch: pytest.MonkeyPatch
) -> None:
    """pydantic-settings ignores unknown variables: a misspelt key would do nothing."""
    data = resources[("ConfigMap", CONFIG_MAP)]["data"]
    for key in [*data, *secret_keys_referenced(resources)]:
        assert setting_exists(key) or key in NOT_SETTINGS, f"{key} is not a setting"

    for key in list(os.environ):
        if key.startswith("AUTOCLIP_"):
            monkeypatch.delenv(key)
    for key, value in data.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert str(settings.data_dir) == data["AUTOCLIP_DATA_DIR"] == DATA_DIR
    assert settings.storage_url is not None
    assert settings.storage_url.startswith("s3://")
    assert settings.worker.render_time_limit_seconds == float(
        data["AUTOCLIP_WORKER__RENDER_TIME_LIMIT_SECONDS"]
    )


def test_secret_template_is_commented_and_matches_the_references(
    kubernetes_validate: ModuleType, resources: dict[tuple[str, str], Doc]
) -> None:
    text = SECRET_TEMPLATE.read_text()
    assert load_docs(SECRET_TEMPLATE) == [], "the template must stay commented out"
    # The commented manifest itself, uncommented, is a valid Secret with placeholders.
    lines = text.splitlines()
    start = lines.index("# apiVersion: v1")
    uncommented = "\n".join(line.removeprefix("#").removeprefix(" ") for line in lines[start:])
    (secret,) = load_docs_from_text(uncommented, SECRET_TEMPLATE.name)
    validate_strict(kubernetes_validate, secret, KUBERNETES_VERSIONS[-1], SECRET_TEMPLATE.name)
    assert (secret["metadata"]["name"], secret["metadata"]["namespace"]) == (SECRET, NAMESPACE)
    values: dict[str, str] = secret["stringData"]
    assert set(values) == secret_keys_referenced(resources)
    for key, value in values.items():
        assert re.search(r"<[^>]+>", value), f"{key}: not an obvious placeholder"


def test_worker_grace_outlasts_a_render(resources: dict[tuple[str, str], Doc]) -> None:
    """On SIGTERM a worker finishes the render it holds before it exits."""
    limit = float(
        resources[("ConfigMap", CONFIG_MAP)]["data"]["AUTOCLIP_WORKER__RENDER_TIME_LIMIT_SECONDS"]
    )
    grace = resources[("Deployment", WORKER)]["spec"]["template"]["spec"]
    assert grace["terminationGracePeriodSeconds"] >= limit + 30
    api = resources[("Deployment", API)]["spec"]["template"]["spec"]
    (container,) = api["containers"]
    pause = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert api["terminationGracePeriodSeconds"] > pause + 30


# -- blue/green, Service, Ingress, migration ------------------------------------------------


def test_green_is_blue_under_another_name() -> None:
    """Only the name and the `version` label differ (and, mid-release, the image tag)."""
    blue = load_docs(K8S / "api-deployment.yaml")
    green = load_docs(K8S / "green-deployment.yaml")
    assert [doc["kind"] for doc in blue] == ["Deployment", "HorizontalPodAutoscaler"]
    blue_pod = blue[0]["spec"]["template"]
    green_pod = green[0]["spec"]["template"]
    assert blue_pod["metadata"]["labels"]["version"] == "blue"
    assert green_pod["metadata"]["labels"]["version"] == "green"
    for blue_c, green_c in zip(
        blue_pod["spec"]["containers"], green_pod["spec"]["containers"], strict=True
    ):
        assert image_repository(blue_c["image"]) == image_repository(green_c["image"])
        green_c["image"] = blue_c["image"]
    text = json.dumps(green).replace(f'"{GREEN}"', f'"{API}"').replace('"green"', '"blue"')
    assert json.loads(text) == blue


def test_service_sends_traffic_to_one_colour(resources: dict[tuple[str, str], Doc]) -> None:
    live = resources[("Service", API)]["spec"]
    preview = resources[("Service", "autoclip-api-preview")]["spec"]
    # Shipped with blue live. A release switches the two selectors in a commit (Argo CD
    # undoes a switch made by hand), so either colour may be live, never both or neither.
    assert {live["selector"]["version"], preview["selector"]["version"]} == COLOURS
    for service in (live, preview):
        colour = service["selector"]["version"]
        name = API if colour == "blue" else GREEN
        pod = resources[("Deployment", name)]["spec"]["template"]
        assert selects(service["selector"], pod["metadata"]["labels"])
        (port,) = service["ports"]
        assert port["targetPort"] in {p["name"] for p in pod["spec"]["containers"][0]["ports"]}
    # Each Deployment's own selector includes its colour, so the two never share pods.
    for name in (API, GREEN):
        assert "version" in resources[("Deployment", name)]["spec"]["selector"]["matchLabels"]


def test_ingress_routes_the_api_but_not_metrics(resources: dict[tuple[str, str], Doc]) -> None:
    (rule,) = resources[("Ingress", API)]["spec"]["rules"]
    paths = rule["http"]["paths"]
    service_ports = {p["name"] for p in resources[("Service", API)]["spec"]["ports"]}
    for path in paths:
        backend = path["backend"]["service"]
        assert backend["name"] == API
        assert backend["port"]["name"] in service_ports
    routed = {path["path"] for path in paths}
    assert "/api" in routed
    assert not routed & {"/", "/metrics", "/ready"}


def test_migration_job_upgrades_the_database_first(resources: dict[tuple[str, str], Doc]) -> None:
    job = resources[("Job", "autoclip-db-migrate")]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["db", "upgrade"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert [v["name"] for v in container["env"]] == ["AUTOCLIP_DATABASE_URL"]
    annotations = job["metadata"]["annotations"]
    assert annotations["argocd.argoproj.io/hook"] in {"PreSync", "Sync"}
    assert annotations["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation"
    if annotations["argocd.argoproj.io/hook"] == "Sync":
        # Before the workloads (wave 0), after what it reads (its ConfigMap).
        wave = int(annotations["argocd.argoproj.io/sync-wave"])
        config = resources[("ConfigMap", CONFIG_MAP)]["metadata"]["annotations"]
        assert int(config["argocd.argoproj.io/sync-wave"]) < wave < 0
    api = resources[("Deployment", API)]["spec"]["template"]["spec"]["containers"][0]
    assert image_repository(container["image"]) == image_repository(api["image"])


# -- Argo CD -------------------------------------------------------------------------------

APPLICATION_SPEC_FIELDS = {
    "project",
    "source",
    "sources",
    "destination",
    "syncPolicy",
    "ignoreDifferences",
    "info",
    "revisionHistoryLimit",
    "sourceHydrator",
}


def test_argocd_application_syncs_deploy_k8s_into_the_namespace() -> None:
    """A custom resource: no schema bundled, so the fields that matter are checked here."""
    (app,) = load_docs(APPLICATION)
    assert app["apiVersion"] == "argoproj.io/v1alpha1"
    assert app["kind"] == "Application"
    assert app["metadata"]["name"] == API
    assert app["metadata"]["namespace"]
    spec = app["spec"]
    assert set(spec) <= APPLICATION_SPEC_FIELDS, set(spec) - APPLICATION_SPEC_FIELDS
    assert spec["project"]
    source = spec["source"]
    assert re.fullmatch(r"https://\S+\.git", source["repoURL"])
    assert source["targetRevision"]
    assert source["path"] == "deploy/k8s"
    assert (ROOT / source["path"] / "kustomization.yaml").is_file()
    destination = spec["destination"]
    assert destination["namespace"] == NAMESPACE
    assert destination.get("server") or destination.get("name")
    assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    # The HPAs own the replica counts: self-heal must not reset them.
    assert {
        "group": "apps",
        "kind": "Deployment",
        "jsonPointers": ["/spec/replicas"],
    } in spec["ignoreDifferences"]
    assert "RespectIgnoreDifferences=true" in spec["syncPolicy"]["syncOptions"]


# -- the image --------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n(\s*#.*\n)*", " ", DOCKERFILE.read_text())
    found = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_hadolint_passes_the_dockerfile(tmp_path: Path) -> None:
    binary = hadolint()
    # An explicit, empty configuration: no ~/.config/hadolint.yaml may relax the rules.
    config = tmp_path / "hadolint.yaml"
    config.write_text("ignored: []\n")

    def lint(path: Path) -> list[dict[str, Any]]:
        run = subprocess.run(
            [binary, "--config", str(config), "--format", "json", "--no-color", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        findings: list[dict[str, Any]] = json.loads(run.stdout or "[]")
        return findings

    # Every level counts, style and info included. An inline `# hadolint ignore=RULE` is
    # allowed only under a comment line that says why.
    assert lint(DOCKERFILE) == []
    lines = DOCKERFILE.read_text().splitlines()
    for number, line in enumerate(lines):
        if "hadolint ignore" in line:
            reason = lines[number - 1].strip() if number else ""
            assert reason.startswith("#"), f"line {number + 1}: an ignore without a reason"
            assert "hadolint" not in reason, f"line {number + 1}: an ignore without a reason"
    # The linter is real and its report is read: a careless file is caught.
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python\nRUN pip install autoclip\n")
    assert {finding["code"] for finding in lint(careless)} >= {"DL3006", "DL3013", "DL3042"}


def test_dockerfile_builds_a_slim_non_root_image() -> None:
    steps = dockerfile_instructions()
    stages = [args for keyword, args in steps if keyword == "FROM"]
    assert len(stages) >= 2, "multi-stage: a builder and the runtime"
    for stage in stages:
        image = stage.split()[0]
        assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", image), image
    runtime_start = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    runtime = steps[runtime_start:]
    runtime_text = "\n".join(f"{keyword} {args}" for keyword, args in runtime)
    assert "apt-get" not in runtime_text, "the runtime needs no system packages"
    assert re.search(r"COPY --from=\w+ /opt/venv /opt/venv", runtime_text)
    assert ("USER", f"{UID}:{UID}") in runtime
    assert ("EXPOSE", "8000") in runtime
    env = " ".join(args for keyword, args in runtime if keyword == "ENV")
    for setting in (
        "PYTHONDONTWRITEBYTECODE=1",
        "PYTHONUNBUFFERED=1",
        f"AUTOCLIP_DATA_DIR={DATA_DIR}",
    ):
        assert setting in env
    (healthcheck,) = [args for keyword, args in runtime if keyword == "HEALTHCHECK"]
    assert "python" in healthcheck
    assert "/health" in healthcheck
    assert "curl" not in healthcheck
    assert ("ENTRYPOINT", '["autoclip"]') in runtime
    assert ("CMD", '["serve", "--host", "0.0.0.0", "--port", "8000"]') in runtime
    for keyword, args in steps:
        if keyword == "RUN" and "pip install" in args:
            assert args.count("pip install") == args.count("pip install --no-cache-dir"), args


def dockerignored(patterns: list[str], path: str) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    parents = path.split("/")
    candidates = ["/".join(parents[: i + 1]) for i in range(len(parents))]
    excluded = False
    for raw in patterns:
        negated = raw.startswith("!")
        pattern = raw.removeprefix("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        regex = re.sub(r"\\\[(.*?)\\\]", r"[\1]", regex)
        if any(re.fullmatch(regex, candidate) for candidate in candidates):
            excluded = not negated
    return excluded


def test_dockerignore_sends_only_what_the_build_copies() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    for path in (
        ".git/HEAD",
        ".venv/bin/python",
        "autoclip-data/videos/x/original.mp4",
        ".mypy_cache/3.11/x.json",
        ".pytest_cache/v/cache",
        ".ruff_cache/x",
        "tests/e2e/test_render.py",
        "benchmarks/render_bench.py",
        "deploy/k8s/service.yaml",
        "src/autoclip/__pycache__/cli.cpython-311.pyc",
        "src/autoclip.egg-info/PKG-INFO",
    ):
        assert dockerignored(patterns, path), f"{path} would be sent to the build"
    copied = [
        source
        for keyword, args in dockerfile_instructions()
        if keyword == "COPY" and not args.startswith("--from")
        for source in args.split()[:-1]
    ]
    assert copied, "the Dockerfile copies nothing from the context"
    for source in [*copied, "src/autoclip/cli.py", "src/autoclip/samples/ko_sleep.txt"]:
        assert not dockerignored(patterns, source.rstrip("/")), f"{source} is ignored"
        assert (ROOT / source).exists(), source
