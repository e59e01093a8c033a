"""``crm templates check``: every template rendered for a formal and an informal sample."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from crm_cli.core.terms import REGISTERS
from crm_cli.errors import CrmError

if TYPE_CHECKING:
    from crm_cli.core.settings import Settings


@dataclass
class Finding:
    kind: str  # "FAIL" (it does not render) or "WARN" (it renders, with a warning)
    template: str
    origin: str
    register: str
    message: str


@dataclass
class TemplateCheck:
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return sum(f.kind == "FAIL" for f in self.findings)


def check_templates(config: Path, settings: Settings, today: date) -> TemplateCheck:
    """Render each template (the user's in ``config`` and the built-ins) for sample
    clients of both registers; what failed or warned, in template order."""
    from crm_cli.core.drafting.context import sample_client, sample_item
    from crm_cli.core.drafting.render import compose
    from crm_cli.userfiles.templates import builtin_lookup, list_templates, lookup

    source = lookup(config)
    vetted = builtin_lookup()
    templates = list_templates(config)
    result = TemplateCheck(checked=len(templates))
    for info in templates:
        for formal in (True, False):
            client, touchpoints = sample_client(formal, info.lang)
            item = sample_item(info.purpose, client, touchpoints, today)
            register = REGISTERS[0] if formal else REGISTERS[1]
            try:
                draft = compose(
                    client,
                    touchpoints,
                    item,
                    settings,
                    today,
                    source,
                    channel=info.channel,
                    purpose=info.purpose,
                    template=info.name,
                    vetted=vetted,
                )
            except CrmError as exc:
                result.findings.append(Finding("FAIL", info.name, info.origin, register, str(exc)))
                continue
            for warning in draft.warnings:
                result.findings.append(Finding("WARN", info.name, info.origin, register, warning))
    return result
