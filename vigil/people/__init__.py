"""Users, teams and the contact methods people are reached by."""
