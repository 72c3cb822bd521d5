"""Cramp Coach over HTTPS: the Flask app, Alexa request verification, the audio route and the
server. The only package that imports flask, werkzeug, gunicorn or cryptography; the Lambda zip
leaves it out."""
