"""Cramp Coach on Alexa: handlers, hosting (Flask and Lambda) and the skill package."""
