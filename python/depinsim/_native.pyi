"""depinsim._native: the compiled part of depinsim (Rust, PyO3). Use the
functions of the `depinsim` package; this module's are its building blocks."""

from os import PathLike
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

_Progress = Optional[Callable[[int, Optional[int]], Any]]
_Columns = List[Tuple[str, str, Union[bytes, List[Optional[str]]]]]

class DepinsimError(Exception):
    """A depinsim failure: bad input (ScenarioError) or anything else."""

class ScenarioError(DepinsimError):
    """Bad input; the message names the file, the key and what is wrong, as
    the CLI's does (with a suggestion for a misspelt key)."""

class Scenario:
    """A checked scenario: the file's text, the overrides applied to it, and
    the resolved scenario the simulator runs."""

    @staticmethod
    def load(path: Union[str, "PathLike[str]"]) -> "Scenario":
        """Reads and checks a scenario file (TOML)."""
    @staticmethod
    def from_toml(text: str, file: str = "<string>") -> "Scenario":
        """Checks scenario TOML text; `file` names it in messages."""
    @staticmethod
    def from_dict(d: Dict[str, Any], file: str = "<dict>") -> "Scenario":
        """Checks a scenario given as a dict of the file's tables and keys."""
    def set(self, key: str, value: Any) -> None:
        """Sets a dotted key (as `--set KEY=VALUE`) with --set's checks and
        messages; raises ScenarioError and leaves the scenario unchanged on a
        bad key or value."""
    def update(self, values: Dict[str, Any]) -> None:
        """Sets several keys at once, checked together (as several --set)."""
    def set_text(self, text: str) -> None:
        """Applies a `KEY=VALUE` text exactly as `--set` reads it."""
    def copy(self) -> "Scenario":
        """An independent copy."""
    @property
    def name(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def replications(self) -> int: ...
    @property
    def designs(self) -> List[str]: ...
    @property
    def horizon_h(self) -> float: ...
    @property
    def warmup_h(self) -> float: ...
    @property
    def overrides(self) -> List[str]:
        """The overrides applied so far, as `KEY=VALUE` texts."""
    def to_toml(self) -> str:
        """The scenario as resolved (after overrides), as TOML text."""
    def to_json(self) -> str:
        """The scenario as resolved, as JSON text."""

class Run:
    """The native results of `run` (wrapped by depinsim.RunResult)."""

    def columns(self, name: str) -> _Columns: ...
    def csv(self, name: str) -> Optional[bytes]: ...
    def save(self, out: str, command: List[str]) -> None: ...
    @property
    def runs(self) -> int: ...
    @property
    def events(self) -> int: ...
    @property
    def wall_seconds(self) -> float: ...
    @property
    def threads(self) -> int: ...
    @property
    def scenario(self) -> Scenario: ...

def run(
    scenario: Scenario,
    *,
    replications: Optional[int] = None,
    designs: Optional[Sequence[str]] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    progress: _Progress = None,
) -> Run: ...
def sweep(
    scenario: Scenario,
    params: Optional[Dict[str, Any]] = None,
    *,
    zip: bool = False,
    out: Optional[str] = None,
    resume: bool = False,
    replications: Optional[int] = None,
    designs: Optional[Sequence[str]] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    shard: Optional[str] = None,
    dry_run: bool = False,
    report: bool = False,
    progress: _Progress = None,
    command: Optional[List[str]] = None,
) -> Dict[str, Any]: ...
def plan(
    scenario: Scenario,
    targets: List[str],
    vary: str,
    lo: float,
    hi: float,
    *,
    replications: Optional[int] = None,
    max_replications: Optional[int] = None,
    tolerance: Optional[float] = None,
    designs: Optional[Sequence[str]] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    progress: _Progress = None,
) -> Dict[str, Any]: ...
def plan_metrics() -> List[str]: ...
def version() -> str: ...
