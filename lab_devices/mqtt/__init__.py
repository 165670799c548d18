"""MQTT: the codec, the asyncio connection, the fake link, Sparkplug B, a local Mosquitto."""
