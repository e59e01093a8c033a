"""The git layer of ``crm sync`` against real git, with a stand-in for the store.

The stand-in writes plain files under ``devices/<id>/`` so that these tests
pin what git does (what is committed, merged, refused, recovered) whatever the
store puts in its files; ``test_sync.py`` runs the real commands.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_cli.errors import SyncError
from crm_cli.store import sync as store_sync


class StandIn(store_sync.StoreApi):
    """A store reduced to what sync asks of it."""

    refreshed: list[Path]

    def __init__(self) -> None:
        self.refreshed = []

    def device_id(self, home: Path) -> str:
        path = home / "local" / "device.json"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"id": secrets.token_hex(4)}), encoding="utf-8")
        return str(json.loads(path.read_text(encoding="utf-8"))["id"])

    def refresh(self, home: Path) -> None:
        self.refreshed.append(home)

    def conflict_copies(self, home: Path) -> list[Path]:
        folder = home / "devices"
        return sorted(p for p in folder.rglob("*") if "sync-conflict" in p.name)

    def ensure_device_file(self, home: Path) -> None:
        pass

    def forgotten(self, home: Path) -> set[str]:
        path = home / "local" / "forgotten"
        return set(path.read_text().split()) if path.exists() else set()

    @contextlib.contextmanager
    def locked(self, home: Path) -> Iterator[None]:
        yield


@pytest.fixture(autouse=True)
def stand_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> StandIn:
    store = StandIn()
    monkeypatch.setattr(store_sync, "_store", lambda: store)
    # No user or system git config at all: sync must work on a machine that has none.
    empty = tmp_path / "no-home"
    empty.mkdir()
    monkeypatch.setenv("HOME", str(empty))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return store


def write(home: Path, name: str, text: str) -> Path:
    folder = home / "devices" / StandIn().device_id(home)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout


def repo(home: Path) -> store_sync.Repo:
    return store_sync.Repo.open(home)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Device a set up with --init, device b cloned from the same bare remote."""
    a, b, remote = tmp_path / "a", tmp_path / "b", tmp_path / "remote.git"
    a.mkdir()
    write(a, "2026-11.json", "a: one\n")
    store_sync.init(a, str(remote))
    store_sync.clone(b, str(remote))
    return a, b, remote


def test_init_commits_the_device_files_only_as_the_device(pair: tuple[Path, Path, Path]) -> None:
    a, _, remote = pair
    (a / "local" / "cache.sqlite3").write_text("cache")
    me = StandIn().device_id(a)
    assert git(remote, "ls-tree", "-r", "--name-only", "main").split() == [
        ".gitignore",
        f"devices/{me}/2026-11.json",
    ]
    assert git(remote, "log", "--format=%an <%ae>|%s", "main").splitlines() == [
        f"crm <{me}>|crm: {me} starts the book"
    ]
    assert repo(a).sync().committed == 0  # the cache is never committed


def test_changes_travel_both_ways_and_the_cache_is_refreshed(
    pair: tuple[Path, Path, Path], stand_in: StandIn
) -> None:
    a, b, _ = pair
    id_a, id_b = StandIn().device_id(a), StandIn().device_id(b)
    assert (b / "devices" / id_a / "2026-11.json").read_text() == "a: one\n"
    write(b, "2026-11.json", "b: one\n")
    write(a, "2026-11.json", "a: one\na: two\n")
    report_b = repo(b).sync()
    assert (report_b.committed, report_b.received) == (1, [])
    report_a = repo(a).sync()
    assert (report_a.committed, report_a.received) == (1, [id_b])
    assert repo(b).sync().received == [id_a]
    for home in (a, b):
        assert (home / "devices" / id_a / "2026-11.json").read_text() == "a: one\na: two\n"
        assert (home / "devices" / id_b / "2026-11.json").read_text() == "b: one\n"
    assert stand_in.refreshed.count(a) == 1 and stand_in.refreshed.count(b) == 2  # clone too
    status = repo(a).status()
    assert [(d.id, d.this) for d in status.devices] == sorted([(id_a, True), (id_b, False)])
    assert all(d.last_change and d.last_sync for d in status.devices)
    assert (status.unpushed_files, status.unpushed_commits) == ([], 0)
    write(a, "2026-12.json", "a: three\n")
    status = repo(a).status()
    assert (status.unpushed_files, status.unpushed_commits) == ([f"devices/{id_a}/2026-12.json"], 0)


def test_a_push_rejected_because_the_remote_moved_is_retried(
    pair: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, remote = pair
    write(a, "2026-11.json", "a: two\n")
    write(b, "2026-11.json", "b: one\n")
    original = store_sync.Repo.fetch
    calls: list[Path] = []

    def fetch_then_b_pushes(self: store_sync.Repo) -> None:
        original(self)
        if self.home == a and not calls:
            calls.append(a)
            repo(b).sync()  # lands between a's fetch and a's push

    monkeypatch.setattr(store_sync.Repo, "fetch", fetch_then_b_pushes)
    report = repo(a).sync()
    assert report.attempts == 2 and report.pushed
    files = git(remote, "ls-tree", "-r", "--name-only", "main").split()
    assert len([f for f in files if f.startswith("devices/")]) == 2


def test_a_conflict_is_a_bug_that_changes_nothing(pair: tuple[Path, Path, Path]) -> None:
    a, b, _ = pair
    # b writes into a's folder (what crm never does): git sees the same file changed twice.
    own = write(a, "2026-11.json", "a: two\n")
    repo(a).sync()
    (b / own.relative_to(a)).write_text("b was here\n")
    git(b, "-c", "user.name=x", "-c", "user.email=x", "commit", "-qam", "a bug")
    head = git(b, "rev-parse", "HEAD")
    with pytest.raises(SyncError, match=r"git reported a conflict in devices/.*: a bug in crm"):
        repo(b).sync()
    assert git(b, "rev-parse", "HEAD") == head
    assert (b / own.relative_to(a)).read_text() == "b was here\n"
    assert git(b, "status", "--porcelain") == ""


def test_a_sync_killed_mid_way_is_cleaned_up_by_the_next(pair: tuple[Path, Path, Path]) -> None:
    a, b, _ = pair
    write(a, "2026-11.json", "a: two\n")
    repo(a).sync()
    mine = write(b, "2026-11.json", "b: one\n")
    git(b, "fetch", "-q", "origin")
    # What a kill leaves: a lock, a half-checked-out file of another device, a stray one.
    (b / ".git" / "index.lock").write_text("")
    other = next(p for p in (b / "devices").rglob("2026-11.json") if p != mine)
    other.write_text("a: tw")
    (other.parent / "2026-12.json").write_text("half")
    report = repo(b).sync()
    assert report.pushed and report.committed == 1
    assert report.recovered == [
        "removed the stale index.lock",
        "restored 2 files of other devices",
    ]
    assert other.read_text() == "a: two\n" and not (other.parent / "2026-12.json").exists()
    assert mine.read_text() == "b: one\n"


def test_an_unreachable_remote_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "a"
    home.mkdir()
    with pytest.raises(
        SyncError,
        match=r"^git fetch failed: ssh: Could not resolve hostname ssh-less: .*; "
        r"Could not read from remote repository\.$",
    ):
        store_sync.init(home, "ssh-less:/nowhere/at/all")
    assert not (home / ".git").exists()  # left as it was: the next --init can start afresh


def test_init_refuses_a_remote_that_already_holds_a_book(
    pair: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, _, remote = pair
    other = tmp_path / "c"
    other.mkdir()
    with pytest.raises(SyncError, match="already holds a book"):
        store_sync.init(other, str(remote))


def test_purge_history_leaves_one_commit_and_other_devices_must_reclone(
    pair: tuple[Path, Path, Path],
) -> None:
    a, b, remote = pair
    write(a, "2026-11.json", "a: SECRET\n")
    repo(a).sync()
    write(b, "2026-11.json", "b: SECRET too\n")
    repo(b).sync()
    repo(a).sync()
    write(a, "2026-11.json", "a: clean\n")
    (a / "local" / "forgotten").write_text("h1")
    repo(a).sync()
    with pytest.raises(SyncError, match=r"device .* has not synced since the last forget"):
        repo(a).purge_history()
    write(b, "2026-11.json", "b: scrubbed\n")  # what b's store does when it folds the forget
    repo(b).sync()
    write(b, "2026-11.json", "b: offline work\n")
    root, cleaned = repo(a).purge_history()
    assert cleaned == [str(remote)]
    for place in (a, remote):
        assert "SECRET" not in git(place, "log", "--all", "-p")
        assert len(git(place, "rev-list", "--all").split()) == 2  # the root, a's synced ref
    with pytest.raises(SyncError, match=r"history was rewritten .* run 'crm sync --reclone'"):
        repo(b).sync()
    assert "SECRET" not in git(remote, "log", "--all", "-p")  # nothing pushed back
    report = repo(b).reclone()
    assert report.pushed
    assert "SECRET" not in git(b, "log", "--all", "-p") + git(b, "log", "-g", "--all", "-p")
    assert git(b, "rev-list", "--max-parents=0", "main").split() == [root]
    repo(a).sync()
    me_b = StandIn().device_id(b)
    assert (a / "devices" / me_b / "2026-11.json").read_text() == "b: offline work\n"


def test_an_interrupted_clone_is_named_as_such(pair: tuple[Path, Path, Path]) -> None:
    _, b, remote = pair
    (b / "local" / "sync.json").unlink()  # what a clone killed before its end leaves
    with pytest.raises(SyncError) as caught:
        store_sync.clone(b, str(remote))
    assert str(caught.value) == (
        f"{b} holds an interrupted clone: remove that folder and run the clone again"
    )


def test_without_git_the_error_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "a"
    home.mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with pytest.raises(SyncError) as caught:
        store_sync.init(home, str(tmp_path / "remote.git"))
    assert str(caught.value) == "git is not installed (crm sync runs the git command)"
