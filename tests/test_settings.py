"""Where the manifest and the output live: [tool.stepgen] in the nearest
pyproject.toml, overridden by flags, never by flags left unset."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from stepgen.console import _recorded
from stepgen.errors import ConfigError
from stepgen.record import RECORD_NAME
from stepgen.settings import output_root, resolve

from tests.conftest import SCHEMA, CliResult


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(SCHEMA, tmp_path / "spec", symlinks=False)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.stepgen]\nmanifest = "spec/pipeline.json"\nout = "build/gen"\n'
    )
    (tmp_path / "deep" / "er").mkdir(parents=True)
    return tmp_path


def test_settings_come_from_the_nearest_pyproject(project: Path) -> None:
    settings = resolve(None, None, cwd=project / "deep" / "er")

    assert settings.manifest == project / "spec" / "pipeline.json"
    assert settings.out == project / "build" / "gen"


def test_flags_override_the_file_and_unset_flags_do_not(project: Path) -> None:
    settings = resolve(None, "elsewhere", cwd=project)

    assert settings.manifest == project / "spec" / "pipeline.json"
    assert settings.out == project / "elsewhere"


def test_defaults_apply_without_a_stepgen_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")

    settings = resolve(None, None, cwd=tmp_path)

    assert settings.manifest == tmp_path / "schema" / "pipeline.json"
    assert settings.out == tmp_path / "generated"


def test_a_wrong_setting_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.stepgen]\nout = 3\n")

    with pytest.raises(ConfigError, match="non-empty strings"):
        resolve(None, None, cwd=tmp_path)


@pytest.mark.parametrize("flag", [None, "elsewhere", "../up"])
def test_the_output_root_alone_is_the_one_resolve_finds(
    project: Path, flag: str | None
) -> None:
    here = project / "deep"

    assert output_root(flag, cwd=here) == resolve(None, flag, cwd=here).out


def test_the_console_script_sees_a_record_where_the_command_will_write(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only an output root holding a record makes the console script skip forking
    # the model worker ahead; the guess follows the flag, then [tool.stepgen].
    monkeypatch.chdir(project / "deep")
    (project / "build" / "gen").mkdir(parents=True)
    (project / "deep" / "other").mkdir()
    (project / "deep" / "other" / RECORD_NAME).write_text("{}")

    assert not _recorded(["--manifest", "x.json"])
    assert _recorded(["--out", "other"])
    assert _recorded(["--out=other"])
    (project / "build" / "gen" / RECORD_NAME).write_text("{}")
    assert _recorded([])
    assert not _recorded(["--out", "absent"])
    (project / "pyproject.toml").write_text("[tool.stepgen\n")
    assert not _recorded([])


def test_the_cli_uses_the_table(
    project: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "deep")

    generated = cli("generate")
    checked = cli("check")

    assert generated.exit_code == 0, generated.stderr
    assert (
        project / "build" / "gen" / "python" / "rematrix_steps" / "registry.py"
    ).is_file()
    assert checked.exit_code == 0
    assert "up to date with" in checked.stdout


def test_a_broken_pyproject_exits_2(
    tmp_path: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.stepgen\n")
    monkeypatch.chdir(tmp_path)

    result = cli("check")

    assert result.exit_code == 2
    assert "cannot read" in result.stderr
    assert "pyproject.toml" in result.stderr


def test_usage_errors_exit_2(cli: Callable[..., CliResult]) -> None:
    result = cli("generate", "--no-such-flag")

    assert result.exit_code == 2
    assert "No such option" in result.stderr


def test_validate_takes_the_output_root_too(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    manifest = str(SCHEMA / "pipeline.json")
    afile = tmp_path / "a-file"
    afile.write_text("")

    fine = cli("validate", "--manifest", manifest, "--out", str(tmp_path / "new"))
    refused = cli("validate", "--manifest", manifest, "--out", str(afile))

    assert fine.exit_code == 0 and "valid, 9 stages" in fine.stdout
    assert not (tmp_path / "new").exists()
    assert refused.exit_code == 2
