"""Shared test configuration: Hypothesis keeps its files under tests/, not the project root."""

from __future__ import annotations

from pathlib import Path

from hypothesis import configuration

configuration.set_hypothesis_home_dir(Path(__file__).parent / ".hypothesis")
