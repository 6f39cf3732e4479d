"""The scenario plug-ins, in the order they run. Add a scenario by writing a Scenario subclass in a module
here and listing it below."""

from __future__ import annotations

from bench.scenarios.audits import MethodologyAudits
from bench.scenarios.base import RunContext, Scenario
from bench.scenarios.batch_append import BatchAppend
from bench.scenarios.get_document import GetDocument
from bench.scenarios.growth import Growth
from bench.scenarios.registry import RegistryActions
from bench.scenarios.single_append import SingleAppend

# Scenarios sharing the per-backend server and database; Growth makes its own databases and servers.
SHARED = (SingleAppend(), BatchAppend(), GetDocument(), RegistryActions(), MethodologyAudits())
ALL: tuple[Scenario, ...] = (*SHARED, Growth())

__all__ = ["ALL", "SHARED", "RunContext", "Scenario"]
