"""The registry of device models, by the name a lab file uses."""

from __future__ import annotations

from lab_devices.air_quality import AirQualityStation
from lab_devices.base import Device
from lab_devices.cell_planner import SmallCellPlanner
from lab_devices.energy_meter import ThreePhaseEnergyMeter
from lab_devices.gnb_cell import GnbCell
from lab_devices.production_line import ProductionLine
from lab_devices.tracker import AssetTracker
from lab_devices.ue_modem import UeModem
from lab_devices.wastewater import WastewaterStation

MODELS: dict[str, type[Device]] = {
    cls.model: cls
    for cls in (AirQualityStation, WastewaterStation, ThreePhaseEnergyMeter, ProductionLine,
                AssetTracker, UeModem, GnbCell, SmallCellPlanner)
}
