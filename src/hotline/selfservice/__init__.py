"""The public door: self-service appeals confirmed by an SMS code, and the citizen's tracking and withdrawal."""
