"""FamilyTeam: the chat bot for a child-welfare family's safety network."""
