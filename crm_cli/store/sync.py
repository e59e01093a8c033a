"""Sync between devices over git: the only module that runs git.

The book's folder (``CRM_HOME``) becomes an ordinary git work tree (``.git``
beside ``devices/``, so ``git -C $CRM_HOME log`` just works). Only
``devices/`` and ``.gitignore`` are committed: ``local/`` (the cache, the
backups, the lock, the device's id and clock) never is. Each device writes
only its own ``devices/<id>/`` folder, so a merge can never conflict: if git
reports a conflict anyway it is a bug, and sync stops with everything as it was.

git is driven as an executable, not through GitPython: the executable is what
the user already has configured (ssh keys, credential helpers, proxies), it
needs no extra dependency, and every call can be bounded by a timeout and
killed, which a library call inside our process cannot.

Besides ``main``, each device pushes ``refs/crm/synced/<id>``: a commit whose
parent is the ``main`` it had just synced, dated when it synced. It tells
``--status`` when each device last synced, and ``--purge-history`` whether
every device has folded the latest forget.

``--purge-history`` replaces the whole history by one new root commit holding
today's tree, force-pushes it, and drops the old objects here (and on the
remote when it is a local folder). The new root's message starts with
``PURGE_MARK``: another device finds the remote's history unrelated to its
own, is told to run ``crm sync --reclone``, and never pushes the old history
back (git refuses to merge unrelated histories, and a push of them is not a
fast-forward; crm never forces a push except in ``--purge-history``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from crm_cli.errors import SyncError

BRANCH = "main"
REMOTE = "origin"
SYNCED_REFS = "refs/crm/synced/"
REMOTE_SYNCED_REFS = "refs/crm/remote/"
PURGE_MARK = "crm sync --purge-history"
STATE_FILE = "sync.json"  # under local/: never committed
# Local calls are quick; the network ones get the time a slow link needs.
LOCAL_TIMEOUT = 60.0
NETWORK_TIMEOUT = float(os.environ.get("CRM_SYNC_TIMEOUT", "300"))
PUSH_ATTEMPTS = 5
# A git killed with crm may still be finishing (a child is not killed with its parent):
# its lock files are waited for this long before they are taken as stale.
STALE_LOCK_WAIT = 5.0
SYNC_LOCK_WAIT = 30.0

GITIGNORE = """\
# Written by crm sync: only the devices' files are shared.
/*
!/.gitignore
!/devices/
# Temp files of an interrupted write, and conflict copies of file-sync tools
# (Syncthing, Dropbox, Nextcloud, OneDrive, iCloud): never read, never shared.
.*.tmp
*.sync-conflict-*
*[Cc]onflicted [Cc]opy*
*([Cc]onflict*
*[Cc]onflict)*
*[Cc]ase [Cc]onflict*
*.conflict
*.conflict[0-9]*
*-conflict-*
*([0-9]).json
*([0-9][0-9]).json
*.orig
"""

# Extra settings for every call: no user setting may sign, convert line ends or rename.
_CONFIG = (
    "-c",
    "core.autocrlf=false",
    "-c",
    "core.quotepath=off",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "gc.auto=0",
    "-c",
    "merge.renames=false",
    "-c",
    "diff.renames=false",
    "-c",
    "advice.detachedHead=false",
    "-c",
    "init.defaultBranch=main",
)


# --------------------------------------------------------------------------- running git


def _die_with_parent_hook() -> Callable[[], None] | None:
    """On Linux, a git started by crm is killed with it (``PR_SET_PDEATHSIG``): a lock
    file found by the next sync is then known to be stale, not a git still at work."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):  # pragma: no cover - an unusual libc
        return None

    def hook() -> None:
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    return hook


_DIE_WITH_PARENT = _die_with_parent_hook()


@contextlib.contextmanager
def sync_lock(home: Path) -> Iterator[None]:
    """One sync at a time on a book (cron and a hand-run sync may meet)."""
    from crm_cli.store.lockfile import FileLock, Timeout

    folder = home / "local"
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / "sync.lock"), timeout=SYNC_LOCK_WAIT, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise SyncError(
            f"another crm sync is running on {home} (waited {SYNC_LOCK_WAIT:g} s); try again"
        ) from None
    try:
        yield
    finally:
        lock.release()


class Git:
    """git on one work tree, as this device: bounded, no prompts, errors as SyncError."""

    def __init__(self, home: Path, device: str) -> None:
        self.home = home
        self.device = device
        identity = {"name": "crm", "email": device}
        self.env = {
            **os.environ,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": identity["name"],
            "GIT_AUTHOR_EMAIL": identity["email"],
            "GIT_COMMITTER_NAME": identity["name"],
            "GIT_COMMITTER_EMAIL": identity["email"],
            "LC_ALL": "C",
            "LANGUAGE": "C",
        }
        for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_DATE"):
            self.env.pop(name, None)

    def run(
        self,
        *args: str,
        timeout: float = LOCAL_TIMEOUT,
        check: bool = True,
        what: str | None = None,
        cwd: Path | None = None,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        command = ["git", *_CONFIG, *args]
        try:
            done = subprocess.run(
                command,
                preexec_fn=_DIE_WITH_PARENT,
                cwd=cwd or self.home,
                env=self.env,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=timeout,
                input=input,
                stdin=None if input is not None else subprocess.DEVNULL,
                check=False,
            )
        except FileNotFoundError:
            raise SyncError("git is not installed (crm sync runs the git command)") from None
        except subprocess.TimeoutExpired:
            raise SyncError(
                f"git {what or args[0]} took longer than {timeout:g} s and was stopped "
                "(is the remote reachable?)"
            ) from None
        if check and done.returncode != 0:
            raise SyncError(f"git {what or args[0]} failed: {git_message(done.stderr)}")
        return done

    def out(self, *args: str, **kwargs: object) -> str:
        return self.run(*args, **kwargs).stdout.strip()  # type: ignore[arg-type]

    def ok(self, *args: str) -> bool:
        return self.run(*args, check=False).returncode == 0

    def rev(self, name: str) -> str | None:
        done = self.run("rev-parse", "--verify", "--quiet", f"{name}^{{commit}}", check=False)
        return done.stdout.strip() or None

    @property
    def git_dir(self) -> Path:
        return self.home / ".git"


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return STALE_LOCK_WAIT


def git_message(stderr: str) -> str:
    """git's own reason on one line: its error lines (ssh's too), else its last line."""
    lines = [
        line.strip()
        for line in stderr.splitlines()
        if line.strip() and not line.startswith("hint: ")
    ]
    reasons: list[str] = []
    for line in lines:
        for prefix in ("fatal: ", "error: ", "ssh: ", "remote: "):
            if line.startswith(prefix):
                reason = line.removeprefix(prefix) if prefix in ("fatal: ", "error: ") else line
                if reason not in reasons:
                    reasons.append(reason)
    if reasons:
        return "; ".join(reasons[:2])
    return lines[-1] if lines else "no message"


def _is_local_path(remote: str) -> bool:
    """A folder (a USB disk, a NAS mount), as opposed to an URL or scp-like ``host:path``."""
    if "://" in remote:
        return remote.startswith("file://")
    head = remote.split("/", 1)[0]
    return ":" not in head or (len(head) == 2 and head[1] == ":")  # C:\ on Windows


def _local_folder(remote: str) -> Path:
    return Path(remote.removeprefix("file://")).expanduser()


# --------------------------------------------------------------------------- the store


def _store() -> StoreApi:
    return StoreApi()


class StoreApi:
    """What sync needs from the rest of the store, in one place (tests stand in for it)."""

    def device_id(self, home: Path) -> str:
        from crm_cli.store.book import device_id

        found = device_id(home)
        assert found is not None  # created on first use
        return found

    def refresh(self, home: Path) -> None:
        """Fold what a pull brought (it takes the book's lock itself)."""
        from crm_cli.store.book import refresh

        refresh(home)

    def conflict_copies(self, home: Path) -> list[Path]:
        from crm_cli.store.devices import conflict_copies

        return conflict_copies(home)

    def ensure_device_file(self, home: Path) -> None:
        from crm_cli.store.book import ensure_device_file

        ensure_device_file(home)

    def forgotten(self, home: Path) -> set[str]:
        from crm_cli.store.book import forgotten

        return set(forgotten(home))

    @contextlib.contextmanager
    def locked(self, home: Path) -> Iterator[None]:
        """The book's lock: no command writes this device's files while git reads them."""
        from crm_cli.store.book import locked

        with locked(home):
            yield


# --------------------------------------------------------------------------- state


def _state_path(home: Path) -> Path:
    return home / "local" / STATE_FILE


def _read_state(home: Path) -> dict[str, object]:
    try:
        data = json.loads(_state_path(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(home: Path, state: dict[str, object]) -> None:
    from crm_cli.store.fsops import write_atomic

    path = _state_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(state, sort_keys=True, indent=1).encode("utf-8"))


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# --------------------------------------------------------------------------- reports


@dataclass
class SyncReport:
    remote: str
    device: str
    committed: int = 0  # own files committed
    received: list[str] = field(default_factory=list)  # devices whose files changed here
    pushed: bool = False
    attempts: int = 1
    conflict_copies: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)  # what an interrupted sync left


@dataclass
class DeviceStatus:
    id: str
    this: bool
    last_change: str | None
    last_sync: str | None


@dataclass
class Status:
    remote: str
    device: str
    devices: list[DeviceStatus]
    unpushed_files: list[str]
    unpushed_commits: int
    conflict_copies: list[str]
    last_sync: str | None


# --------------------------------------------------------------------------- the repository


class Repo:
    """A book set up for sync."""

    def __init__(self, home: Path, store: StoreApi | None = None) -> None:
        self.home = home
        self.store = store or _store()
        self.device = self.store.device_id(home)
        self.git = Git(home, self.device)
        self.own = f"devices/{self.device}"

    @classmethod
    def open(cls, home: Path) -> Repo:
        if not (home / ".git").is_dir():
            raise SyncError(
                f"the book in {home} is not set up for sync: run 'crm sync --init REMOTE' "
                "(the first device) or 'crm sync --clone REMOTE' (another one)"
            )
        return cls(home)

    @property
    def remote(self) -> str:
        return self.git.out("config", "--get", f"remote.{REMOTE}.url", what="config")

    # ----------------------------------------------------------------- set-up

    def configure(self, remote: str) -> None:
        git = self.git
        if git.run("remote", "get-url", REMOTE, check=False).returncode == 0:
            git.run("remote", "set-url", REMOTE, remote)
        else:
            git.run("remote", "add", REMOTE, remote)
        git.run("config", "--replace-all", f"remote.{REMOTE}.fetch", _branch_refspec())
        git.run("config", "--add", f"remote.{REMOTE}.fetch", _synced_refspec())
        git.run("config", "core.autocrlf", "false")
        git.run("config", "gc.auto", "0")

    # ----------------------------------------------------------------- recovery

    def recover(self) -> list[str]:
        """Undo what a killed sync (or git) left: stale locks, a half merge, other
        devices' files half checked out. This device's own files are never touched."""
        found: list[str] = []
        locks = self._lock_files()
        # Under the sync lock no other crm sync runs; on Linux the gits of a killed one
        # died with it. Elsewhere a lock is taken as stale once it is STALE_LOCK_WAIT old.
        while _DIE_WITH_PARENT is None and locks:
            young = [p for p in locks if _age(p) < STALE_LOCK_WAIT]
            if not young:
                break
            time.sleep(0.1)
            locks = self._lock_files()
        if locks:
            for lock in locks:
                lock.unlink(missing_ok=True)
                found.append(f"removed the stale {lock.relative_to(self.git.git_dir)}")
        git = self.git
        if (git.git_dir / "MERGE_HEAD").exists():
            git.run("merge", "--abort", check=False)
            (git.git_dir / "MERGE_HEAD").unlink(missing_ok=True)
            found.append("undid an interrupted merge")
        if git.rev("HEAD") is None:
            return found
        copies = {str(p.relative_to(self.home)) for p in self.store.conflict_copies(self.home)}
        others = [p for p in self._dirty_outside_own() if p not in copies]
        if others:
            # Other devices' files are git's alone here: put them back as HEAD has them.
            # (Conflict copies of a file-sync tool are the user's to look at: left alone.)
            git.run("reset", "-q", "--", *others, check=False)
            tracked = [p for p in others if git.ok("cat-file", "-e", f"HEAD:{p}")]
            if tracked:
                git.run("checkout", "-q", "HEAD", "--", *tracked)
            for path in set(others) - set(tracked):
                (self.home / path).unlink(missing_ok=True)
            found.append(f"restored {len(others)} files of other devices")
        return found

    def _lock_files(self) -> list[Path]:
        root = self.git.git_dir
        if not root.is_dir():
            return []
        names = [root / "index.lock", root / "HEAD.lock", root / "config.lock"]
        names += [root / "packed-refs.lock", root / "shallow.lock"]
        found = [p for p in names if p.exists()]
        refs = root / "refs"
        if refs.is_dir():
            found += list(refs.rglob("*.lock"))
        return found

    def _dirty_outside_own(self) -> list[str]:
        raw = self.git.run(
            "status", "--porcelain=v1", "-z", "--untracked-files=all", what="status"
        ).stdout
        paths: list[str] = []
        entries = iter(raw.split("\0"))
        for entry in entries:
            if len(entry) < 4:
                continue
            code, path = entry[:2], entry[3:]
            if code[0] in "RC":
                next(entries, None)  # the source of a rename: renames are off, but be safe
            if not (path == self.own or path.startswith(self.own + "/")):
                paths.append(path)
        return paths

    # ----------------------------------------------------------------- the steps

    def commit_own(self, message: str) -> int:
        """Commit this device's folder (and nothing else); the number of files changed."""
        git = self.git
        if (self.home / self.own).exists():
            git.run("add", "-A", "--", self.own, what="add")
            # The store's word on conflict copies, beyond the patterns of .gitignore.
            copies = [
                p.relative_to(self.home).as_posix() for p in self.store.conflict_copies(self.home)
            ]
            if copies:
                git.run("rm", "-q", "--cached", "--ignore-unmatch", "--", *copies, what="rm")
        elif git.rev("HEAD") is not None:
            git.run("rm", "-r", "-q", "--cached", "--ignore-unmatch", "--", self.own, what="rm")
        changed = git.out("diff", "--cached", "--name-only", "-z", what="diff")
        files = [name for name in changed.split("\0") if name]
        if not files:
            return 0
        git.run("commit", "-q", "--no-verify", "-m", message, what="commit")
        return len(files)

    def fetch(self) -> None:
        self.git.run(
            "fetch",
            "--quiet",
            "--prune",
            "--no-tags",
            REMOTE,
            timeout=NETWORK_TIMEOUT,
            what="fetch",
        )

    def remote_head(self) -> str | None:
        return self.git.rev(f"refs/remotes/{REMOTE}/{BRANCH}")

    def check_related(self, theirs: str) -> None:
        """Refuse a remote whose history is not ours: rewritten by a purge, or another book."""
        ours = self.git.rev("HEAD")
        if ours is None or ours == theirs:
            return
        if self.git.run("merge-base", ours, theirs, check=False).returncode == 0:
            return
        root = self.git.out("rev-list", "--max-parents=0", theirs, what="rev-list").split()
        message = self.git.out("log", "-1", "--format=%s", root[0], what="log") if root else ""
        if message.startswith(PURGE_MARK):
            raise SyncError(
                f"the remote's history was rewritten ({message}); this clone still holds the "
                "old one and will not push it back: run 'crm sync --reclone'"
            )
        raise SyncError(
            f"the remote {self.remote} holds another book (no history in common); "
            "nothing was merged or pushed"
        )

    def merge(self, theirs: str) -> list[str]:
        """Merge the remote's main; the devices whose files it changed here."""
        git = self.git
        ours = git.rev("HEAD")
        if ours == theirs:
            return []
        if ours is not None and git.ok("merge-base", "--is-ancestor", theirs, ours):
            return []
        changed = (
            git.out("diff", "--name-only", "-z", ours, theirs, what="diff")
            if ours
            else git.out("ls-tree", "-r", "--name-only", "-z", theirs, what="ls-tree")
        )
        devices = sorted({_device_of(p) for p in changed.split("\0")} - {"", self.device})
        if ours is None:
            git.run("reset", "-q", "--hard", theirs, what="checkout")
            return devices
        done = git.run(
            "merge",
            "--no-edit",
            "--no-verify",
            "-q",
            "-m",
            f"crm: {self.device} merges the remote",
            theirs,
            check=False,
        )
        if done.returncode != 0:
            conflicted = git.out("diff", "--name-only", "--diff-filter=U", what="diff").split()
            git.run("merge", "--abort", check=False)
            if conflicted:
                raise SyncError(
                    "git reported a conflict in "
                    + ", ".join(conflicted[:3])
                    + " (a file written by two devices: a bug in crm, please report it); "
                    "nothing was changed"
                )
            raise SyncError(f"git merge failed: {git_message(done.stderr)}; nothing was changed")
        return devices

    def push(self) -> str:
        """Push main and this device's synced ref; 'ok', or 'rejected' (the remote moved)."""
        git = self.git
        head = git.rev("HEAD")
        assert head is not None
        synced = git.out(
            "commit-tree",
            f"{head}^{{tree}}",
            "-p",
            head,
            "-m",
            f"crm: {self.device} synced",
            what="commit-tree",
        )
        git.run("update-ref", f"{SYNCED_REFS}{self.device}", synced, what="update-ref")
        done = git.run(
            "push",
            "--porcelain",
            "--atomic",
            "--no-verify",
            REMOTE,
            f"{head}:refs/heads/{BRANCH}",
            f"+{SYNCED_REFS}{self.device}:{SYNCED_REFS}{self.device}",
            timeout=NETWORK_TIMEOUT,
            check=False,
        )
        if done.returncode == 0:  # what the next fetch would find, known now
            moves = f"update refs/remotes/{REMOTE}/{BRANCH} {head}\n"
            moves += f"update {REMOTE_SYNCED_REFS}{self.device} {synced}\n"
            git.run("update-ref", "--stdin", input=moves, check=False)
            return "ok"
        text = done.stdout + done.stderr
        if "[rejected]" in text or "non-fast-forward" in text or "fetch first" in text:
            return "rejected"
        raise SyncError(f"git push failed: {git_message(done.stderr)}")

    # ----------------------------------------------------------------- whole commands

    def sync(self) -> SyncReport:
        """Commit this device's files, fetch, merge, refresh the cache, push."""
        with sync_lock(self.home):
            return self._sync()

    def _sync(self) -> SyncReport:
        report = SyncReport(remote=self.remote, device=self.device)
        with self.store.locked(self.home):
            report.recovered = self.recover()
            report.committed = self.commit_own(f"crm: {self.device} changes")
        for attempt in range(1, PUSH_ATTEMPTS + 1):
            report.attempts = attempt
            self.fetch()
            theirs = self.remote_head()
            if theirs is not None:
                self.check_related(theirs)
                with self.store.locked(self.home):
                    received = self.merge(theirs)
                report.received = sorted({*report.received, *received})
                if received:
                    self.store.refresh(self.home)
                    # Folding may scrub this device's own files (a forget elsewhere).
                    with self.store.locked(self.home):
                        report.committed += self.commit_own(f"crm: {self.device} folds")
            if self.push() == "ok":
                report.pushed = True
                break
        else:
            raise SyncError(
                f"the remote kept moving: {PUSH_ATTEMPTS} pushes were rejected; try again"
            )
        # Auto gc is off for every other call (a detached gc would hold locks the next
        # sync takes as stale); here, in the foreground, it keeps loose objects in check.
        self.git.run(
            "-c",
            "gc.auto=6700",
            "-c",
            "gc.autoDetach=false",
            "gc",
            "--auto",
            "--quiet",
            timeout=NETWORK_TIMEOUT,
            check=False,
        )
        self._after_sync()
        report.conflict_copies = [
            str(p.relative_to(self.home)) for p in self.store.conflict_copies(self.home)
        ]
        return report

    def _after_sync(self) -> None:
        state = _read_state(self.home)
        state["last_sync"] = _now()
        seen = state.get("forgets")
        forgets: dict[str, str] = dict(seen) if isinstance(seen, dict) else {}
        head = self.git.rev("HEAD") or ""
        for ref in sorted(self.store.forgotten(self.home)):
            forgets.setdefault(ref, head)
        state["forgets"] = forgets
        _write_state(self.home, state)

    def status(self) -> Status:
        git = self.git
        head = git.rev("HEAD")
        names: set[str] = {self.device}
        if head:
            listing = git.out("ls-tree", "--name-only", "-z", head, "devices/", what="ls-tree")
            names |= {p.split("/", 1)[1] for p in listing.split("\0") if p.count("/") == 1}
        syncs = self._synced_dates()
        devices = []
        for name in sorted(names):
            last = (
                git.out("log", "-1", "--format=%cI", head, "--", f"devices/{name}", what="log")
                if head
                else ""
            )
            devices.append(
                DeviceStatus(
                    id=name,
                    this=name == self.device,
                    last_change=last or None,
                    last_sync=syncs.get(name),
                )
            )
        raw = git.run(
            "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", self.own, what="status"
        ).stdout
        files = sorted(entry[3:] for entry in raw.split("\0") if len(entry) > 3)
        theirs = self.remote_head()
        if head and theirs:
            ahead = int(git.out("rev-list", "--count", f"{theirs}..{head}", what="rev-list"))
        else:
            ahead = int(git.out("rev-list", "--count", head, what="rev-list")) if head else 0
        state = _read_state(self.home)
        last_sync = state.get("last_sync")
        return Status(
            remote=self.remote,
            device=self.device,
            devices=devices,
            unpushed_files=files,
            unpushed_commits=ahead,
            conflict_copies=[
                str(p.relative_to(self.home)) for p in self.store.conflict_copies(self.home)
            ],
            last_sync=last_sync if isinstance(last_sync, str) else None,
        )

    def _synced_dates(self) -> dict[str, str]:
        raw = self.git.out(
            "for-each-ref",
            "--format=%(refname)%00%(committerdate:iso-strict)",
            REMOTE_SYNCED_REFS,
            SYNCED_REFS,
            what="for-each-ref",
        )
        found: dict[str, str] = {}
        for line in raw.splitlines():
            ref, _, when = line.partition("\0")
            name = ref.rsplit("/", 1)[-1]
            found[name] = max(found.get(name, ""), when)
        return found

    # ----------------------------------------------------------------- erasure

    def stale_devices(self) -> list[str]:
        """Other devices that have not synced since the newest forget this device knows of:
        their files may still hold the client."""
        state = _read_state(self.home)
        seen = state.get("forgets")
        commits = sorted(set(seen.values())) if isinstance(seen, dict) else []
        if not commits:
            return []
        head = self.git.rev("HEAD")
        listing = (
            self.git.out("ls-tree", "--name-only", "-z", head, "devices/", what="ls-tree")
            if head
            else ""
        )
        others = sorted(
            {p.split("/", 1)[1] for p in listing.split("\0") if p.count("/") == 1} - {self.device}
        )
        stale = []
        for name in others:
            synced = self.git.rev(f"{REMOTE_SYNCED_REFS}{name}")
            parent = self.git.rev(f"{synced}^") if synced else None
            if parent is None or not all(
                self.git.ok("merge-base", "--is-ancestor", c, parent) for c in commits if c
            ):
                stale.append(name)
        return stale

    def purge_history(self, force: bool = False) -> tuple[str, list[str]]:
        """One new root commit with today's tree, force-pushed; the old objects dropped."""
        with sync_lock(self.home):
            return self._purge_history(force)

    def _purge_history(self, force: bool) -> tuple[str, list[str]]:
        self._sync()
        stale = self.stale_devices()
        if stale and not force:
            which = (
                f"device {stale[0]} has"
                if len(stale) == 1
                else (f"devices {', '.join(stale)} have")
            )
            raise SyncError(
                f"not purged: {which} not synced since the last forget, so their files "
                "may still hold the client; sync them first (or pass --force)"
            )
        git = self.git
        old = git.rev("HEAD")
        assert old is not None
        root = git.out(
            "commit-tree",
            f"{old}^{{tree}}",
            "-m",
            f"{PURGE_MARK} on device {self.device} at {_now()}: "
            "earlier history dropped; other devices run 'crm sync --reclone'",
            what="commit-tree",
        )
        remote_refs = git.out(
            "for-each-ref", "--format=%(refname)", REMOTE_SYNCED_REFS, what="for-each-ref"
        ).split()
        deletions = [
            f":{SYNCED_REFS}{ref.rsplit('/', 1)[-1]}"
            for ref in remote_refs
            if not ref.endswith("/" + self.device)
        ]
        with self.store.locked(self.home):
            git.run("update-ref", f"refs/heads/{BRANCH}", root, old, what="update-ref")
        synced = git.out(
            "commit-tree",
            f"{root}^{{tree}}",
            "-p",
            root,
            "-m",
            f"crm: {self.device} synced",
            what="commit-tree",
        )
        git.run("update-ref", f"{SYNCED_REFS}{self.device}", synced, what="update-ref")
        done = git.run(
            "push",
            "--porcelain",
            "--atomic",
            "--no-verify",
            f"--force-with-lease=refs/heads/{BRANCH}:{old}",
            REMOTE,
            f"+{root}:refs/heads/{BRANCH}",
            f"+{SYNCED_REFS}{self.device}:{SYNCED_REFS}{self.device}",
            *deletions,
            timeout=NETWORK_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            with self.store.locked(self.home):
                git.run("update-ref", f"refs/heads/{BRANCH}", old, root, what="update-ref")
            raise SyncError(
                f"the purged history could not be pushed ({git_message(done.stderr)}); "
                "nothing changed: run 'crm sync --purge-history' again"
            )
        self.fetch()
        self.drop_old_objects()
        cleaned = []
        remote = self.remote
        if _is_local_path(remote) and _local_folder(remote).is_dir():
            self._gc(cwd=_local_folder(remote))
            cleaned.append(remote)
        return root, cleaned

    def drop_old_objects(self) -> None:
        git = self.git
        for name in ("ORIG_HEAD", "FETCH_HEAD", "MERGE_HEAD"):
            (git.git_dir / name).unlink(missing_ok=True)
        self._gc(cwd=None)

    def _gc(self, cwd: Path | None) -> None:
        self.git.run("reflog", "expire", "--expire=now", "--all", cwd=cwd, what="reflog")
        self.git.run("gc", "--quiet", "--prune=now", timeout=NETWORK_TIMEOUT, cwd=cwd, what="gc")

    def reclone(self) -> SyncReport:
        """Adopt a remote history rewritten by a purge, keeping this device's files."""
        with sync_lock(self.home):
            return self._reclone()

    def _reclone(self) -> SyncReport:
        git = self.git
        with self.store.locked(self.home):
            self.recover()
        self.fetch()
        theirs = self.remote_head()
        if theirs is None:
            raise SyncError(f"the remote {self.remote} holds no book")
        with self.store.locked(self.home):
            git.run("reset", "-q", theirs, what="reset")  # index and HEAD; the files stay
            others = self._dirty_outside_own()
            tracked = [p for p in others if git.ok("cat-file", "-e", f"{theirs}:{p}")]
            if tracked:
                git.run("checkout", "-q", theirs, "--", *tracked, what="checkout")
            for path in set(others) - set(tracked):
                (self.home / path).unlink(missing_ok=True)
            for ref in git.out(
                "for-each-ref", "--format=%(refname)", SYNCED_REFS, what="for-each-ref"
            ).split():
                git.run("update-ref", "-d", ref, check=False)
        self.store.refresh(self.home)
        self.drop_old_objects()
        return self._sync()


def _check_remote(remote: str) -> str:
    """The remote as git will be given it: a folder made absolute (git would read a
    relative one from CRM_HOME, not from where the user typed it)."""
    if not remote.strip() or remote.startswith("-"):
        raise SyncError(f"{remote!r} is not a git remote (a path, ssh://… or https://…)")
    if _is_local_path(remote) and not remote.startswith("file://"):
        return str(Path(remote).expanduser().absolute())
    return remote


def _device_of(path: str) -> str:
    """The device whose folder holds ``path`` (``devices/<id>/...``), else ''."""
    parts = path.split("/")
    return parts[1] if len(parts) >= 3 and parts[0] == "devices" else ""


def _branch_refspec() -> str:
    return f"+refs/heads/*:refs/remotes/{REMOTE}/*"


def _synced_refspec() -> str:
    return f"+{SYNCED_REFS}*:{REMOTE_SYNCED_REFS}*"


# --------------------------------------------------------------------------- set-up commands


def init(home: Path, remote: str) -> tuple[SyncReport, bool]:
    """Make the book a git work tree and push it to ``remote``; whether a bare repository
    was created there (a local folder that did not exist)."""
    remote = _check_remote(remote)
    home = home.expanduser().absolute()
    if (home / ".git").exists():
        raise SyncError(f"the book in {home} is already set up for sync (crm sync --status)")
    created = False
    if _is_local_path(remote):
        folder = _local_folder(remote)
        if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
            Git(home, "init").run(
                "init", "--quiet", "--bare", "-b", BRANCH, str(folder), cwd=Path.cwd(), what="init"
            )
            created = True
    store = _store()
    home.mkdir(parents=True, exist_ok=True)
    device = store.device_id(home)
    git = Git(home, device)
    git.run("init", "--quiet", "-b", BRANCH, ".", what="init")
    try:
        repo = Repo(home, store)
        repo.configure(remote)
        (home / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        git.run("add", "--", ".gitignore", what="add")
        store.ensure_device_file(home)  # the book's id, even in an empty book
        with store.locked(home):
            repo.commit_own(f"crm: {device} starts the book")
        repo.fetch()
        if repo.remote_head() is not None:
            raise SyncError(
                f"the remote {remote} already holds a book: on this device, move this book "
                "aside and run 'crm sync --clone REMOTE'"
            )
        if repo.push() != "ok":
            raise SyncError(f"the remote {remote} already holds a book")
    except BaseException:
        import shutil

        shutil.rmtree(home / ".git", ignore_errors=True)
        (home / ".gitignore").unlink(missing_ok=True)
        raise
    repo._after_sync()
    report = SyncReport(remote=remote, device=device, pushed=True)
    report.conflict_copies = [str(p.relative_to(home)) for p in store.conflict_copies(home)]
    return report, created


def clone(home: Path, remote: str) -> SyncReport:
    """A new device from an existing book: git clone, a new device id, the cache built."""
    remote = _check_remote(remote)
    home = home.expanduser().absolute()
    if (home / ".git").is_dir() and not _state_path(home).exists():
        raise SyncError(
            f"{home} holds an interrupted clone: remove that folder and run the clone again"
        )
    if home.exists() and any(home.iterdir()):
        raise SyncError(
            f"{home} is not empty: clone into a new folder (crm sync --clone REMOTE --home DIR)"
        )
    home.parent.mkdir(parents=True, exist_ok=True)
    probe = Git(home.parent, "clone")
    probe.run(
        "clone",
        "--quiet",
        "--origin",
        REMOTE,
        "--branch",
        BRANCH,
        "--no-tags",
        remote,
        str(home),
        cwd=home.parent,
        timeout=NETWORK_TIMEOUT,
        what="clone",
    )
    try:
        repo = Repo(home)
        repo.configure(remote)
        repo.fetch()
        repo.store.refresh(home)
    except BaseException:
        import shutil

        shutil.rmtree(home, ignore_errors=True)
        raise
    repo._after_sync()
    report = SyncReport(remote=remote, device=repo.device, pushed=False)
    listing = repo.git.out("ls-tree", "--name-only", "-z", "HEAD", "devices/", what="ls-tree")
    report.received = sorted(p.split("/", 1)[1] for p in listing.split("\0") if "/" in p)
    report.conflict_copies = [str(p.relative_to(home)) for p in repo.store.conflict_copies(home)]
    return report
