"""The registry of device models, by the name a lab file uses."""

from __future__ import annotations

from lab_devices.device.base import Device
from lab_devices.models.air_quality import AirQualityStation
from lab_devices.models.cell_planner import SmallCellPlanner
from lab_devices.models.energy_meter import ThreePhaseEnergyMeter
from lab_devices.models.gnb_cell import GnbCell
from lab_devices.models.production_line import ProductionLine
from lab_devices.models.tracker import AssetTracker
from lab_devices.models.ue_modem import UeModem
from lab_devices.models.wastewater import WastewaterStation

MODELS: dict[str, type[Device]] = {
    cls.model: cls
    for cls in (AirQualityStation, WastewaterStation, ThreePhaseEnergyMeter, ProductionLine,
                AssetTracker, UeModem, GnbCell, SmallCellPlanner)
}
