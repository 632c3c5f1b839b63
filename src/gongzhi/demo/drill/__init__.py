"""The outbreak drill (`gongzhi drill`): a city rehearses an outbreak on simulated time through every
module (scenario.py: what happens; play/: over the services; report.py: what it showed)."""
