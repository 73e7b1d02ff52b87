package postgres

// Vector is vector, for the external tests.
var Vector = vector
