"""Deployment files: the container image's recipe, the Kubernetes manifests, HAProxy in front of replicas.

Cheap checks always run: the Dockerfile and .dockerignore (read as text), the manifests as
``kubectl kustomize`` renders them (skipped when kubectl is absent), ``haproxy -c`` on the HAProxy
configuration (haproxy comes from tests/setup.sh's apt-get line; skipped locally and a failure under
CI=true when it is missing). Slow ones: the cache warm-up script, and two replicas behind HAProxy
(deploy/haproxy/two_replicas.py: sessions stay on one replica, a class's slider moves and a CSV upload
work through the proxy, a killed replica's sessions recover on the other one). Building and running
the image takes minutes and a container engine: ``PPL_TEST_IMAGE=1`` runs deploy/image_check.sh.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
HAPROXY_CFG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
HEALTH = "/_stcore/health"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _haproxy() -> str:
    path = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if path is None:
        reason = "haproxy is not installed (bash tests/setup.sh installs it with apt-get)"
        if _in_ci():
            pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)", pytrace=False)
        pytest.skip(reason)
    return path


# ------------------------------------------------------------------------------------ container image
def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_dockerfile_python_matches_python_version():
    wanted = (ROOT / ".python-version").read_text().strip().rsplit(".", 1)[0]  # 3.12.1 -> 3.12
    base = re.search(r"^ARG BASE_IMAGE=(\S+)$", _dockerfile(), flags=re.M)
    assert base, "Dockerfile: ARG BASE_IMAGE=... (the default base image)"
    assert re.search(rf"python:{re.escape(wanted)}-slim", base.group(1)), base.group(1)
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", _dockerfile(), flags=re.M)


def test_dockerfile_runs_as_non_root_with_warm_caches_and_health_check():
    text = _dockerfile()
    users = re.findall(r"^USER (\S+)$", text, flags=re.M)
    assert users and users[-1] not in ("root", "0"), "the server must not run as root"
    # The warm-up runs as that user, after the code is in the image, before the server starts.
    lines = text.splitlines()
    warm = next(i for i, line in enumerate(lines) if line.startswith("RUN python deploy/warm_caches.py"))
    assert lines.index(f"USER {users[-1]}") < warm
    assert max(i for i, line in enumerate(lines) if line.startswith("COPY . .")) < warm
    assert (ROOT / "deploy" / "warm_caches.py").exists()
    # The caches the warm-up fills are where the server looks (hbm_core's default and PyTensor's flag).
    assert "NUMBA_CACHE_DIR=/home/app/.cache/partial-pooling-lab/numba" in text
    assert "base_compiledir=/home/app/.cache/partial-pooling-lab/pytensor" in text
    assert re.search(r"^HEALTHCHECK .*\n.*" + re.escape(HEALTH), text, flags=re.M)
    cmd = re.search(r"^CMD (\[.*\])$", text, flags=re.M).group(1)
    for part in (
        '"streamlit", "run", "app.py"',
        '"--server.headless", "true"',
        '"--server.port", "8501"',
        '"--server.address", "0.0.0.0"',
    ):
        assert part in cmd
    assert "requirements.txt" in text and "requirements-dev.txt" not in text


def test_dockerignore_keeps_what_the_image_needs():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ".git" in patterns
    needed = [
        "app.py",
        "app_pages",
        "hbm_core",
        "ui",
        ".streamlit",
        "deploy",
        "requirements.txt",
        "deploy/warm_caches.py",
    ]
    for path in needed:
        assert (ROOT / path).exists(), path
        assert path not in patterns and not any(path.startswith(p.rstrip("/") + "/") for p in patterns), path
    # Nothing outside the repository: the build context is the repository alone.
    assert "../" not in _dockerfile()


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("PPL_TEST_IMAGE") != "1",
    reason="builds a container image (minutes): set PPL_TEST_IMAGE=1 to run deploy/image_check.sh",
)
def test_image_builds_runs_and_is_healthy(tmp_path):  # pragma: no cover - opt-in
    result = subprocess.run(
        ["bash", str(ROOT / "deploy" / "image_check.sh")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3000,
    )
    print(result.stdout[-3000:])  # the figures (pytest -rA or -s shows them)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "image_check=ok" in result.stdout


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_warm_caches_script_fits_explore_structures():
    """The image's warm-up step, on Explore's structures (quick: the full run is the image build's)."""
    result = subprocess.run(
        [sys.executable, "deploy/warm_caches.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=580,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stdout
    assert "warm-up: explore (one sd per group)" in result.stdout
    assert "warm-up: done" in result.stdout


# ------------------------------------------------------------------------------------------ Kubernetes
def _mib(quantity: str) -> float:
    """A Kubernetes memory quantity in MiB (Mi and Gi suffixes)."""
    number, unit = re.fullmatch(r"([\d.]+)(Mi|Gi)", quantity).groups()
    return float(number) * (1024 if unit == "Gi" else 1)


@pytest.fixture(scope="module")
def manifests() -> dict[str, dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the manifests in deploy/k8s are not rendered here")
    out = subprocess.run([kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    by_kind = {d["kind"]: d for d in docs}
    assert len(by_kind) == len(docs), "one object of each kind"
    return by_kind


def test_kustomize_renders_deployment_service_ingress_hpa(manifests):
    assert set(manifests) == {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler"}
    deployment, service = manifests["Deployment"], manifests["Service"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert service["spec"]["selector"].items() <= pod_labels.items()
    backend = manifests["Ingress"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    target = manifests["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])


def test_deployment_has_probes_resources_and_runs_as_the_image_user(manifests):
    spec = manifests["Deployment"]["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["ports"][0]["containerPort"] == 8501
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == HEALTH, probe
    resources = container["resources"]
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(resources[kind]), kind
    assert _mib(resources["requests"]["memory"]) <= _mib(resources["limits"]["memory"])
    assert spec["securityContext"]["runAsUser"] == 10001
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert re.search(r"useradd .*--uid 10001", _dockerfile()), "the image's user is uid 10001"
    env = {e["name"]: e["value"] for e in container.get("env", [])}
    assert env.get("PPL_MAX_SAMPLERS") == "1", "one sampler per two cores of the pod's CPU"


def test_ingress_has_cookie_affinity_and_websocket_timeouts(manifests):
    notes = manifests["Ingress"]["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert notes[prefix + "affinity"] == "cookie"
    assert notes[prefix + "affinity-mode"] == "persistent"
    assert notes[prefix + "session-cookie-name"]
    assert int(notes[prefix + "proxy-read-timeout"]) >= 3600
    assert int(notes[prefix + "proxy-send-timeout"]) >= 3600
    assert manifests["Ingress"]["spec"]["ingressClassName"] == "nginx"


def test_hpa_scales_on_cpu(manifests):
    spec = manifests["HorizontalPodAutoscaler"]["spec"]
    assert manifests["HorizontalPodAutoscaler"]["apiVersion"] == "autoscaling/v2"
    assert 2 <= spec["minReplicas"] < spec["maxReplicas"]
    (metric,) = spec["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"
    # Scaling down drops the sessions of the removed pod: slowly.
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] >= 600


# -------------------------------------------------------------------------------------------- HAProxy
def test_haproxy_config_is_valid():
    out = subprocess.run(
        [_haproxy(), "-c", "-f", str(HAPROXY_CFG)], capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Configuration file is valid" in out.stdout + out.stderr


def test_haproxy_config_is_sticky_checks_health_and_keeps_websockets():
    text = HAPROXY_CFG.read_text()
    assert re.search(r"^\s*cookie ppl_replica insert indirect nocache", text, flags=re.M)
    assert re.search(rf"^\s*http-check send meth GET uri {re.escape(HEALTH)}$", text, flags=re.M)
    assert re.search(r"^\s*timeout tunnel 1h$", text, flags=re.M)
    servers = re.findall(r"^\s*server (r\d+) 127\.0\.0\.1:(\d+) check cookie (r\d+)$", text, flags=re.M)
    assert len(servers) >= 2 and all(name == cookie for name, _, cookie in servers)
    assert len({port for _, port, _ in servers}) == len(servers)


def test_haproxy_config_redispatches_when_a_replica_dies():
    # A dead replica's sessions still carry its cookie: their reconnects must be retried on another
    # replica at once, not answered 503 until the health checks mark it down (two_replicas.py's kill).
    text = HAPROXY_CFG.read_text()
    assert re.search(r"^\s*option redispatch\b", text, flags=re.M)
    retries = re.search(r"^\s*retries (\d+)$", text, flags=re.M)
    assert retries and int(retries.group(1)) >= 1


def test_two_replicas_render_config_moves_ports():
    sys.path.insert(0, str(ROOT / "deploy" / "haproxy"))
    try:
        import two_replicas
    finally:
        sys.path.pop(0)
    text = two_replicas.render_config([9101, 9102], 9100)
    assert "bind 127.0.0.1:9100" in text
    assert "server r1 127.0.0.1:9101 check cookie r1" in text
    assert "server r2 127.0.0.1:9102 check cookie r2" in text


@pytest.mark.slow
@pytest.mark.timeout(260)
def test_two_replicas_behind_haproxy_sticky_load_upload_and_a_killed_replica(tmp_path):
    """deploy/haproxy/two_replicas.py, start to end (about 30 s here): see its docstring for each check."""
    _haproxy()
    result = subprocess.run(
        [sys.executable, "deploy/haproxy/two_replicas.py", "--browsers", "4", "--moves", "3"]
        + ["--keep-logs", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    last = result.stdout.strip().splitlines()[-1]
    # Each browser's requests and websockets on one replica; both replicas used.
    assert "sticky=ok browsers=4 replicas_used=2 " in last, out
    # Four Explore tabs through HAProxy, three slider moves each, no error.
    assert " load=ok tabs=4 moves=12 errors=0 " in last, out
    # The CSV upload answered by the tab's replica and read by the page; refused by the other one.
    assert " upload=ok " in last, out
    # The surviving replica's tabs went on undisturbed; the killed replica's tabs recovered from their
    # links on the survivor (two and two when the new browsers alternate, at least one each).
    kill = re.search(
        r" kill=ok survivors_unaffected=(\d+)/(\d+) recovered_from_url=(\d+)/(\d+) problems=0 ", last
    )
    assert kill, out
    survivors_ok, survivors, recovered, killed = map(int, kill.groups())
    assert survivors_ok == survivors >= 1 and recovered == killed >= 1 and survivors + killed == 4, out
