"""The one inbound door for every platform: who is speaking, what they mean, are they allowed.

router.py (members' chat events), staff.py (staff intents from forms), buttons.py (the button registry),
commands.py (the command table), text.py (typed answers and notes). Importing this package imports
nothing else: services make buttons with `bot.buttons`, below them."""
