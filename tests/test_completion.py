"""Shell completion, as the shells ask for it: real ``crm`` processes with click's variables.

bash sets ``COMP_WORDS`` and ``COMP_CWORD``; zsh and fish ``_TYPER_COMPLETE_ARGS`` (the
line up to the cursor). ``_CRM_COMPLETE`` says which shell asks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Crm, crm_command, crm_env, snapshot

from crm_cli.cli.app import COMMANDS
from crm_cli.core import terms

Run = Callable[..., subprocess.CompletedProcess[str]]
# Typer's switch for naming the shell (--show-completion bash) instead of detecting it.
NAMED_SHELL = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}


def tab(run_crm: Run, line: str) -> list[str]:
    """What bash is offered on TAB at the end of ``line`` (a trailing space: a new word)."""
    words = line.split(" ")
    env = {"_CRM_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
    result = run_crm([], env=env)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return result.stdout.split()


@pytest.fixture
def book(crm: Crm) -> Crm:
    crm.add("Mario Rossi", "--email", "mario@example.com")
    crm.add("Anna Neri", "--email", "anna@studio-neri.it")
    crm.add("Zoë Ølund")
    crm.ok("archive", "zoe-olund")
    return crm


# --------------------------------------------------------------------------- commands and options


def test_command_names(run_crm: Run) -> None:
    assert tab(run_crm, "crm dr") == ["draft", "drafts"]
    assert tab(run_crm, "crm ") == list(COMMANDS)
    assert tab(run_crm, "crm --") == [
        "--debug",
        "--version",
        "--install-completion",
        "--show-completion",
        "--help",
    ]


def test_options_of_a_command(run_crm: Run) -> None:
    assert tab(run_crm, "crm log mario email --n") == ["--note", "--needs-reply"]


# --------------------------------------------------------------------------- the vocabulary


def test_channels_purposes_languages_tiers(book: Crm, run_crm: Run) -> None:
    assert tab(run_crm, "crm log mario-rossi ") == list(terms.LOG_CHANNELS)
    assert tab(run_crm, "crm log mario-rossi m") == ["meeting"]
    assert tab(run_crm, "crm draft x --channel ") == list(terms.DRAFT_CHANNELS)
    assert tab(run_crm, "crm edit x --channel c") == ["call", "coffee"]
    assert tab(run_crm, "crm draft x --purpose ") == list(terms.PURPOSES)
    assert tab(run_crm, "crm draft x --purpose f") == ["follow-up"]
    assert tab(run_crm, "crm draft x --lang ") == list(terms.LANGUAGES)
    assert tab(run_crm, "crm add-client x --lang ") == list(terms.LANGUAGES)
    assert tab(run_crm, "crm add-client x --tier ") == list(terms.TIERS)
    assert tab(run_crm, "crm list --tier ") == list(terms.TIERS)
    assert tab(run_crm, "crm templates show sms/b") == ["sms/birthday.it", "sms/birthday.en"]


def test_help_texts_list_the_vocabulary(crm: Crm) -> None:
    text = " ".join(crm.ok("draft", "--help").stdout.split())
    assert (
        "--purpose <str> welcome, thanks, check-in, follow-up, reply, recovery, birthday or "
        "anniversary." in text
    )
    assert "--channel <str> email, sms, call or coffee." in text
    assert "--lang <str> it or en (clients without a language)." in text
    text = " ".join(crm.ok("add-client", "--help").stdout.split())
    assert "--tier <str> A, B or C (never changes who comes first)." in text


# --------------------------------------------------------------------------- client ids


def test_client_ids_from_the_book(book: Crm, run_crm: Run) -> None:
    # Archived clients come last; an id's start is matched first.
    assert tab(run_crm, "crm log ") == ["anna-neri", "mario-rossi", "zoe-olund"]
    assert tab(run_crm, "crm log m") == ["mario-rossi"]
    assert tab(run_crm, "crm show z") == ["zoe-olund"]
    # Else a fragment of the name or email, case and accents aside: bash puts the id in.
    assert tab(run_crm, "crm draft ROSS") == ["mario-rossi"]
    assert tab(run_crm, "crm history ølu") == ["zoe-olund"]
    assert tab(run_crm, "crm snooze studio-neri") == ["anna-neri"]
    assert tab(run_crm, "crm unarchive rio-ro") == ["mario-rossi"]
    assert tab(run_crm, "crm export client nobody") == []
    for line in (
        "crm edit ",
        "crm archive ",
        "crm forget ",
        "crm unsnooze ",
        "crm playbook start ",
    ):
        assert tab(run_crm, line) == ["anna-neri", "mario-rossi", "zoe-olund"], line


def test_a_tab_writes_nothing(book: Crm, run_crm: Run, home: Path) -> None:
    before = snapshot(home)
    assert tab(run_crm, "crm log ")
    assert snapshot(home) == before


@pytest.mark.parametrize("damage", ["no book", "garbage", "not a book", "a directory"])
def test_a_missing_or_damaged_book_completes_nothing(
    book: Crm, run_crm: Run, home: Path, damage: str
) -> None:
    path = next((home / "devices").rglob("*.json"))
    path.unlink()
    if damage == "garbage":
        path.write_bytes(b"\x00{not json")
    elif damage == "not a book":
        path.write_text('{"clients": {"1": {"name": 5}}}')
    elif damage == "a directory":
        path.mkdir()
    assert tab(run_crm, "crm log ") == []
    assert tab(run_crm, "crm log mario-rossi ") == list(terms.LOG_CHANNELS)


# --------------------------------------------------------------------------- zsh and fish


def test_zsh_and_fish_ask_with_the_line(book: Crm, run_crm: Run) -> None:
    zsh = run_crm([], env={"_CRM_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "crm log a"})
    assert (zsh.returncode, zsh.stderr) == (0, "")
    assert zsh.stdout == """_arguments '*: :(("anna-neri":"Anna Neri"))'\n"""
    fish_env = {
        "_CRM_COMPLETE": "complete_fish",
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
        "_TYPER_COMPLETE_ARGS": "crm draft mario-rossi --purpose re",
    }
    fish = run_crm([], env=fish_env)
    assert (fish.returncode, fish.stdout, fish.stderr) == (0, "reply\nrecovery\n", "")


# --------------------------------------------------------------------------- the scripts


@pytest.mark.parametrize(
    ("shell", "line"),
    [
        ("bash", "complete -o default -F _crm_completion crm"),
        ("zsh", "compdef _crm_completion crm"),
        ("fish", "complete --command crm --no-files"),
    ],
)
def test_show_completion_prints_the_script(run_crm: Run, shell: str, line: str) -> None:
    result = run_crm(["--show-completion", shell], env=NAMED_SHELL)
    assert result.returncode == 0, result.stderr
    assert line in result.stdout
    assert f"_CRM_COMPLETE=complete_{shell}" in result.stdout


def test_install_completion_for_bash(run_crm: Run, tmp_path: Path) -> None:
    result = run_crm(["--install-completion", "bash"], env={**NAMED_SHELL, "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    script = tmp_path / ".bash_completions" / "crm.sh"
    assert "_CRM_COMPLETE=complete_bash" in script.read_text()
    assert str(script) in (tmp_path / ".bashrc").read_text()


def test_bash_itself_completes_with_the_script(
    book: Crm, run_crm: Run, home: Path, config: Path, tmp_path: Path
) -> None:
    bash = shutil.which("bash")
    command = crm_command()
    if bash is None or len(command) != 1:
        pytest.skip("needs bash and the crm console script")
    script = tmp_path / "crm.bash"
    script.write_text(run_crm(["--show-completion", "bash"], env=NAMED_SHELL).stdout)
    env = crm_env(home, config, PATH=f"{Path(command[0]).parent}:/usr/bin:/bin")
    program = (
        f"source {script}\n"
        'COMP_WORDS=(crm log ""); COMP_CWORD=2; _crm_completion crm; echo "${COMPREPLY[*]}"\n'
        "COMP_WORDS=(crm log mario-rossi c); COMP_CWORD=3; _crm_completion crm; "
        'echo "${COMPREPLY[*]}"\n'
    )
    result = subprocess.run(
        [bash, "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "anna-neri mario-rossi zoe-olund\ncall coffee\n"


# --------------------------------------------------------------------------- no cost otherwise


def test_the_completers_import_neither_the_store_nor_tinydb() -> None:
    """Command modules import the completers: at their top they may cost nothing."""
    code = (
        "import sys, crm_cli.cli.completion; "
        "print(sorted(m for m in sys.modules if m.startswith(('crm_cli', 'tinydb', 'typer'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == str(
        ["crm_cli", "crm_cli.cli", "crm_cli.cli.completion", "crm_cli.core", "crm_cli.core.terms"]
    )


def test_python_dash_m_completes_too(book: Crm, home: Path, config: Path) -> None:
    env = crm_env(
        home, config, _CRM_COMPLETE="complete_bash", COMP_WORDS="crm log a", COMP_CWORD="2"
    )
    result = subprocess.run(
        [sys.executable, "-m", "crm_cli"], capture_output=True, text=True, env=env, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "anna-neri\n", "")
