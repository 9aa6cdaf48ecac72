"""Run one submission's code in a bubblewrap sandbox with limits, and collect what it returned.

The sandbox (``bwrap``, the tool Flatpak uses; unprivileged on Linux) sees

- the system directories and the Python environment, read-only;
- a copy of ``stepcourse`` without its reference answers (:func:`student_package`), read-only, mounted
  where the real package is, so every way of importing it finds the copy;
- a fresh, size-limited writable home (``/home/student``) holding only the submission;
- no network (its own empty network namespace), its own PID namespace (every child dies with it), and
  none of the course folder, the grades, other submissions or the grader's home.

Limits: wall time (the grader kills the whole process group), address space (``RLIMIT_AS``, plus a
cgroup memory limit when the grader may create one), number of processes (``RLIMIT_NPROC``; when the
grader runs as root the sandbox drops to user ``nobody`` so that the limit applies), file size, and
output: at most ``output_limit`` bytes of output are kept, the rest is counted and dropped.
"""
from __future__ import annotations

import compileall
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

__all__ = ["Limits", "RunOutput", "student_package", "bwrap_available", "run_job", "SandboxUnavailable",
           "SANDBOX_HOME", "NOBODY"]

SANDBOX_HOME = "/home/student"
NOBODY = 65534
_RESULTS_CAP = 64 * 2**20


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create a sandbox on this machine."""


@dataclass(frozen=True)
class Limits:
    """Per-submission limits: seconds of wall time, bytes of memory and output, processes."""

    timeout: float = 300.0
    memory: int = 2 * 2**30
    output: int = 10 * 2**20
    processes: int = 128
    case_timeout: float = 20.0


@dataclass
class RunOutput:
    """What came back from one run."""

    returncode: Optional[int]
    timed_out: bool
    seconds: float
    output: bytes                 #: the first ``Limits.output`` bytes of stdout and stderr
    output_bytes: int             #: how many bytes were written in all
    lines: List[str] = field(default_factory=list)   #: result lines from file descriptor 3
    results_truncated: bool = False

    @property
    def output_cut(self) -> bool:
        return self.output_bytes > len(self.output)


def bwrap_available() -> Optional[str]:
    """``None`` if bubblewrap can make a sandbox here, else why not."""
    path = shutil.which("bwrap")
    if path is None:
        return ("bubblewrap (bwrap) is not installed: grading for marks needs Linux with bubblewrap "
                "(Debian/Ubuntu: apt install bubblewrap)")
    try:
        done = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
                              capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap cannot run: {exc}"
    if done.returncode != 0:
        return "bwrap cannot create a sandbox here: " + done.stderr.decode(errors="replace").strip()[:300]
    return None


def _package_dir() -> Path:
    import stepcourse

    return Path(stepcourse.__file__).resolve().parent


def student_package(dest) -> Path:
    """Copy the installed ``stepcourse`` into ``dest/stepcourse`` without its reference answers.

    The copy is world-readable (a sandbox may run as ``nobody``) and compiled to bytecode afresh.
    """
    source = _package_dir()
    target = Path(dest) / "stepcourse"

    def ignore(folder, names):
        skip = {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".pyo"))}
        if Path(folder).resolve() == source / "exercises":
            skip.add("_references")
        return skip

    shutil.copytree(source, target, ignore=ignore)
    # Bytecode made here, once: the sandbox mounts the copy read-only, so it could not cache its own.
    compileall.compile_dir(str(target), quiet=1, workers=1)
    for root, dirs, files in os.walk(Path(dest)):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    os.chmod(dest, 0o755)
    return target


def _ancestors(path: Path) -> List[Path]:
    return [p for p in reversed(path.parents) if p != Path("/")]


def _bwrap_command(package_copy: Path, submission: Optional[Path], limits: Limits, drop: bool) -> List[str]:
    system = [p for p in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc") if os.path.exists(p)]
    python_dirs = []
    for prefix in {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), sys.prefix}:
        if not any(Path(prefix) == Path(s) or Path(s) in Path(prefix).parents for s in system):
            python_dirs.append(prefix)
    python_dirs = sorted(set(python_dirs), key=len)
    cmd = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
           "--die-with-parent", "--new-session", "--clearenv"]
    if not drop:  # as root the runner drops to nobody instead (a user namespace would keep uid 0's exemptions)
        cmd.append("--unshare-user")
    for path in system:
        cmd += ["--ro-bind", path, path]
    made = set()

    def dirs_for(path: Path):
        out = []
        for parent in _ancestors(path):
            text = str(parent)
            if text in made or any(text == s or text.startswith(s + "/") for s in system + python_dirs[:0]):
                continue
            made.add(text)
            out += ["--perms", "0755", "--dir", text]
        return out

    # A fresh /tmp first: the Python environment or the package may live below /tmp (a CI clone), and a
    # tmpfs mounted after their binds would hide them.
    size = int(min(512 * 2**20, max(64 * 2**20, limits.memory // 4)))
    cmd += ["--dev", "/dev", "--proc", "/proc", "--size", str(size), "--perms", "01777", "--tmpfs", "/tmp"]
    made.add("/tmp")
    for prefix in python_dirs:
        cmd += dirs_for(Path(prefix)) + ["--ro-bind", prefix, prefix]
    package_dir = _package_dir()
    cmd += dirs_for(package_dir) + ["--ro-bind", str(package_copy), str(package_dir)]
    cmd += dirs_for(Path(SANDBOX_HOME)) + ["--size", str(size), "--perms", "01777", "--tmpfs", SANDBOX_HOME]
    if submission is not None:
        cmd += ["--ro-bind", str(submission), f"{SANDBOX_HOME}/submission.ipynb"]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": SANDBOX_HOME, "LANG": "C.UTF-8",
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{SANDBOX_HOME}/.matplotlib",
           "IPYTHONDIR": f"{SANDBOX_HOME}/.ipython", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "STEPCOURSE_SANDBOX": "1"}
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    cmd += ["--chdir", SANDBOX_HOME]
    if drop:
        cmd += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    cmd += [sys.executable, "-I", "-B", "-m", "stepcourse.instructor._runner"]
    return cmd


def _memory_cgroup(limit: int) -> Optional[Path]:
    """A fresh cgroup capped at ``limit`` bytes for one sandbox, when this process may create one."""
    name = f"stepcourse-{uuid.uuid4().hex[:12]}"
    for base, file in ((Path("/sys/fs/cgroup"), "memory.max"), (Path("/sys/fs/cgroup/memory"),
                                                                 "memory.limit_in_bytes")):
        try:
            if not (base / file).exists() and not (base / "cgroup.procs").exists():
                continue
            if base == Path("/sys/fs/cgroup") and not (base / "cgroup.controllers").exists():
                continue
            group = base / name
            group.mkdir()
        except OSError:
            continue
        try:
            (group / file).write_text(str(limit))
            if (group / "memory.swap.max").exists():
                (group / "memory.swap.max").write_text("0")
            return group
        except OSError:
            _remove_cgroup(group)
    return None


def _remove_cgroup(group: Optional[Path]) -> None:
    if group is None:
        return
    for _ in range(50):
        try:
            group.rmdir()
            return
        except OSError:
            time.sleep(0.05)


def run_job(job: dict, *, package_copy: Optional[Path], submission: Optional[Path], limits: Limits,
            sandbox: bool = True) -> RunOutput:
    """Run the trusted runner on ``job`` (sandboxed unless ``sandbox`` is false) and collect its output.

    Without the sandbox the runner still gets the limits, a fresh temporary folder and the copy of the
    package without references, but it can read and write whatever the grader can.
    """
    drop = sandbox and os.geteuid() == 0
    job = dict(job, drop_to=NOBODY if drop else None)
    workdir = None
    if sandbox:
        cmd = _bwrap_command(package_copy, submission, limits, drop)
        env, cwd = {}, "/"
    else:
        workdir = tempfile.mkdtemp(prefix="stepcourse-unsandboxed-")
        cmd = [sys.executable, "-B", "-s", "-m", "stepcourse.instructor._runner"]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": workdir, "MPLBACKEND": "Agg",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
               "PYTHONPATH": str(Path(package_copy).parent) if package_copy else ""}
        cwd = workdir
    group = _memory_cgroup(limits.memory + 256 * 2**20) if sandbox else None
    read_fd, write_fd = os.pipe()

    def limit():  # runs in the child before exec: hard limits, which it cannot raise again
        for res, value in ((resource.RLIMIT_AS, limits.memory), (resource.RLIMIT_NPROC, limits.processes),
                           (resource.RLIMIT_FSIZE, 256 * 2**20), (resource.RLIMIT_CORE, 0)):
            resource.setrlimit(res, (value, value))
        if group is not None:
            with open(group / "cgroup.procs", "w") as fh:
                fh.write(str(os.getpid()))
        os.dup2(write_fd, 3)

    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            cwd=cwd, env=env, preexec_fn=limit, pass_fds=tuple({write_fd, 3}), start_new_session=True)
    os.close(write_fd)
    kept = bytearray()
    total = [0]
    lines: List[str] = []
    results_state = {"bytes": 0, "cut": False}

    def read_output():
        while True:
            chunk = proc.stdout.read1(65536)
            if not chunk:
                break
            total[0] += len(chunk)
            room = limits.output - len(kept)
            if room > 0:
                kept.extend(chunk[:room])

    def read_results():
        buffer = b""
        with os.fdopen(read_fd, "rb") as fh:
            while True:
                chunk = fh.read1(65536)
                if not chunk:
                    break
                results_state["bytes"] += len(chunk)
                if results_state["bytes"] > _RESULTS_CAP:
                    results_state["cut"] = True
                    continue
                buffer += chunk
                *complete, buffer = buffer.split(b"\n")
                lines.extend(c.decode("utf-8", errors="replace") for c in complete)

    def feed():
        try:
            proc.stdin.write(json.dumps(job, allow_nan=False).encode("utf-8"))
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    threads = [threading.Thread(target=f, daemon=True) for f in (read_output, read_results, feed)]
    for t in threads:
        t.start()
    timed_out = False
    try:
        proc.wait(timeout=limits.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
    for t in threads:
        t.join(timeout=10)
    seconds = time.monotonic() - started
    _remove_cgroup(group)
    if workdir is not None:
        shutil.rmtree(workdir, ignore_errors=True)
    return RunOutput(None if timed_out else proc.returncode, timed_out, seconds, bytes(kept), total[0], lines,
                     results_state["cut"])
