"""``tf.config``: devices (from JAX), placement flags, and ``run_functions_eagerly``."""

from typing import Any as _Any

from tapejax._src.config import LogicalDevice as LogicalDevice
from tapejax._src.config import LogicalDeviceConfiguration as LogicalDeviceConfiguration
from tapejax._src.config import PhysicalDevice as PhysicalDevice
from tapejax._src.config import experimental_connect_to_cluster as experimental_connect_to_cluster
from tapejax._src.config import experimental_connect_to_host as experimental_connect_to_host
from tapejax._src.config import experimental_functions_run_eagerly as experimental_functions_run_eagerly
from tapejax._src.config import experimental_run_functions_eagerly as experimental_run_functions_eagerly
from tapejax._src.config import functions_run_eagerly as functions_run_eagerly
from tapejax._src.config import get_logical_device_configuration as get_logical_device_configuration
from tapejax._src.config import get_soft_device_placement as get_soft_device_placement
from tapejax._src.config import get_visible_devices as get_visible_devices
from tapejax._src.config import list_logical_devices as list_logical_devices
from tapejax._src.config import list_physical_devices as list_physical_devices
from tapejax._src.config import run_functions_eagerly as run_functions_eagerly
from tapejax._src.config import set_logical_device_configuration as set_logical_device_configuration
from tapejax._src.config import set_soft_device_placement as set_soft_device_placement
from tapejax._src.config import set_visible_devices as set_visible_devices
from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax.config import experimental as experimental


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.config", name)
