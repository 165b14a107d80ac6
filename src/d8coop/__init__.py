"""D-8 Industrial Cooperation Platform."""
