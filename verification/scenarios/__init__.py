"""Scenarios: what the kit plays toward the system, and the recorded sessions it judges.

- :mod:`.sender`: the system as sender (simulator mode): trigger an order, answer it, wait on recorded events;
- :mod:`.receiver`: the system as receiver: the callbacks (C1–C4) the kit sends as ePROM, and the probe;
- :mod:`.fuzz`: the fuzz checks as data (strategy, examples, features) and one way to run them;
- :mod:`.recorded`: a relay (or simulator) session judged from its recording, without sending anything.
"""
