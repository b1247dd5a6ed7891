"""SMS through Twilio: the second channel for alerts nobody acknowledged."""
