"""``tf.config.experimental``: memory growth, device details, determinism and TF32 flags, and the device listing aliases."""

from typing import Any as _Any

from tapejax._src.config import VirtualDeviceConfiguration as VirtualDeviceConfiguration
from tapejax._src.config import enable_op_determinism as enable_op_determinism
from tapejax._src.config import enable_tensor_float_32_execution as enable_tensor_float_32_execution
from tapejax._src.config import get_device_details as get_device_details
from tapejax._src.config import get_memory_growth as get_memory_growth
from tapejax._src.config import get_virtual_device_configuration as get_virtual_device_configuration
from tapejax._src.config import get_visible_devices as get_visible_devices
from tapejax._src.config import list_logical_devices as list_logical_devices
from tapejax._src.config import list_physical_devices as list_physical_devices
from tapejax._src.config import set_memory_growth as set_memory_growth
from tapejax._src.config import set_virtual_device_configuration as set_virtual_device_configuration
from tapejax._src.config import set_visible_devices as set_visible_devices
from tapejax._src.config import tensor_float_32_execution_enabled as tensor_float_32_execution_enabled
from tapejax._src.errors import missing_attribute as _missing_attribute


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.config.experimental", name)
