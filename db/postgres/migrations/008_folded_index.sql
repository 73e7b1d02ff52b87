-- Folding learnt more of the world's scripts (ß as ss, Greek final sigma, Arabic letter
-- forms and marks, Chinese and Japanese one word per character): the search vectors and
-- the name keys, which Go computes, are computed again by this migration's Go step.
SELECT 1;
