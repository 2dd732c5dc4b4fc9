"""Attachments (附件): photos and files on orders — from citizens, agents, units and letters."""
