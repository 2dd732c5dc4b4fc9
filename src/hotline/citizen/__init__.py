"""Citizens (and enterprise contacts) who appeal: personal data, encrypted and masked."""
