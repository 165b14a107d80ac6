"""The SME statistics engine: framework-free (no Django), plain values in, plain data out.

`definitions` turns a size definition (rule text and threshold bands, as stored) into frozen
data classes; `classifier` classifies one enterprise record in Python; `sql` compiles the same
definition to a DuckDB expression giving the same class for the same record.
"""
