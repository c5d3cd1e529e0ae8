"""The wizard's steps in their order (each step is declared in its own module)."""

from __future__ import annotations

from wizard.connected_step import ConnectedStep
from wizard.steps import PlatformStep, SourceStep, TargetStep, Wizard

WIZARD = Wizard(PlatformStep(), SourceStep(), TargetStep(), ConnectedStep())
