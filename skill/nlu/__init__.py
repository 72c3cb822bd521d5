"""What people say, as Alexa and the local tools understand it: the interaction models generated
from each locale's sentence grammar, and a local recogniser on the same grammar (hassil)."""
