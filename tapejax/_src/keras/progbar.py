"""``tf.keras.utils.Progbar``: Keras 3.15's progress bar, with its exact text layout."""

from __future__ import annotations

import math
import sys
import time
from typing import Any

import numpy as np


def print_msg(message: str, line_break: bool = True) -> None:
    """Writes ``message`` to stdout and flushes, or to ``absl.logging`` (INFO) when interactive logging is
    off (``tf.keras.config.disable_interactive_logging()``), as Keras' ``io_utils.print_msg``."""
    from tapejax._src.keras import backend

    if backend._settings.interactive_logging is False:
        from absl import logging

        logging.info(str(message))
        return
    sys.stdout.write(f"{message}\n" if line_break else str(message))
    sys.stdout.flush()


class Progbar:
    """Displays a progress bar (``tf.keras.utils.Progbar``), as Keras 3.15 writes it.

    Args:
      target: the total number of steps, or ``None`` if unknown.
      width: the bar's width in characters.
      verbose: 0 (silent), 1 (the bar, redrawn in place) or 2 (one line when finished).
      interval: the minimum time between two redraws, in seconds.
      stateful_metrics: names of values shown as given (not averaged over steps); exclusive with
        ``stateless_metrics``, the names averaged (all of them by default).
      unit_name: the unit shown after the time per unit (``"step"``).

    Raises:
      ValueError: if both ``stateful_metrics`` and ``stateless_metrics`` are given.

    >>> import tapejax as tf
    >>> bar = tf.keras.utils.Progbar(2, verbose=2)
    >>> bar.update(1, [("loss", 1.0)])
    >>> bar._values["loss"]
    [1.0, 1]
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Any = None,
        stateless_metrics: Any = None,
        unit_name: str = "step",
    ) -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. `stateful_metrics` is "
                "used to make metrics stateless by default (with an exclusion list), while `stateless_metrics` "
                "is used to make metrics stateful by default (with an exclusion list)."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics: set[str] | None
        self.stateless_metrics: set[str] | None
        if stateful_metrics is not None:
            self.stateful_metrics, self.stateless_metrics = set(stateful_metrics), None
        elif stateless_metrics is not None:
            self.stateful_metrics, self.stateless_metrics = None, set(stateless_metrics)
        else:
            self.stateful_metrics, self.stateless_metrics = set(), None
        self._seen_so_far = 0
        self._values: dict[str, Any] = {}
        self._values_order: list[str] = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step: float | None = None
        self._prev_total_width = 0

    def update(self, current: int, values: Any = None, finalize: bool | None = None) -> None:
        """Redraws the bar at step ``current``.

        Args:
          current: the index of the current step.
          values: ``(name, value)`` pairs; averaged over the steps unless stateful.
          finalize: whether this is the last update (default: ``current >= target``).
        """
        if finalize is None:
            finalize = False if self.target is None else current >= self.target
        for k, v in values or []:
            if k not in self._values_order:
                self._values_order.append(k)
            if self.stateful_metrics is not None:
                stateless = k not in self.stateful_metrics
            else:
                stateless = k in (self.stateless_metrics or ())
            if stateless:
                if finalize:
                    self._values[k] = [v, 1]
                else:
                    base = max(current - self._seen_so_far, 1)
                    if k not in self._values:
                        self._values[k] = [v * base, base]
                    else:
                        self._values[k][0] += v * base
                        self._values[k][1] += base
            else:
                self._values[k] = [v, 1]
        self._seen_so_far = current
        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            # Keras always redraws in place on POSIX ("posix" is in sys.modules there).
            message = "\b" * self._prev_total_width + "\r"
            special = 0
            if self.target is not None and self.target > 0:
                digits = int(math.log10(self.target)) + 1
                bar = f"\x1b[1m{current:{digits}d}/{self.target}\x1b[0m "
                special += 8
                prog_width = int(self.width * float(current) / self.target)
                if prog_width > 0:
                    bar += f"\33[32m{'━' * prog_width}\x1b[0m"
                    special += 9
                bar += f"\33[37m{'━' * (self.width - prog_width)}\x1b[0m"
                special += 9
            else:
                bar = f"{current:7d}/Unknown"
            message += bar
            if self.target is not None and self.target > 0 and not finalize:
                eta = time_per_unit * (self.target - current)
                if eta > 3600:
                    eta_format = f"{int(eta // 3600)}:{int((eta % 3600) // 60):02d}:{int(eta % 60):02d}"
                elif eta > 60:
                    eta_format = f"{int(eta // 60)}:{int(eta % 60):02d}"
                else:
                    eta_format = f"{int(eta)}s"
                info = f" \x1b[1m{eta_format}\x1b[0m"
            else:
                info = f" \x1b[1m{now - self._start:.0f}s\x1b[0m"
            special += 8
            info += self._format_time(time_per_unit, self.unit_name)
            for k in self._values_order:
                info += f" - {k}:"
                if isinstance(self._values[k], list):
                    total, count = self._values[k]
                    if not isinstance(total, float):
                        total = np.mean(total)
                    avg = total / max(1, count)
                    info += f" {avg:.4f}" if abs(avg) > 1e-3 else f" {avg:.4e}"
                else:
                    info += f" {self._values[k]}"
            message += info
            total_width = len(bar) + len(info) - special
            if self._prev_total_width > total_width:
                message += " " * (self._prev_total_width - total_width)
            if finalize:
                message += "\n"
            print_msg(message, line_break=False)
            self._prev_total_width = total_width
        elif self.verbose == 2 and finalize and self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            info = f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s"
            info += f" -{self._format_time(time_per_unit, self.unit_name)}"
            for k in self._values_order:
                info += f" - {k}:"
                total, count = self._values[k]
                if not isinstance(total, float):
                    total = np.mean(total)
                avg = total / max(1, count)
                info += f" {avg:.4f}" if avg > 1e-3 else f" {avg:.4e}"
            print_msg(info + "\n", line_break=False)
        self._last_update = now

    def add(self, n: int, values: Any = None) -> None:
        """Advances the bar by ``n`` steps."""
        self.update(self._seen_so_far + n, values)

    @staticmethod
    def _format_time(time_per_unit: float, unit_name: str) -> str:
        if time_per_unit >= 1 or time_per_unit == 0:
            return f" {time_per_unit:.0f}s/{unit_name}"
        if time_per_unit >= 1e-3:
            return f" {time_per_unit * 1000.0:.0f}ms/{unit_name}"
        return f" {time_per_unit * 1000000.0:.0f}us/{unit_name}"

    def _estimate_step_duration(self, current: int, now: float) -> float:
        # The first step (compilation) is left out of the estimate once there are more.
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit
