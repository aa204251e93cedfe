package config

import (
	"fmt"
	"strings"
)

// DidYouMean returns `; did you mean "x"?` naming the word of known nearest to word
// (by edit distance, ignoring case), or "" when none is near enough to be a typo:
// at most one edit for a short word, one for every three letters of a longer one.
func DidYouMean(word string, known []string) string {
	limit := max(1, len([]rune(word))/3)
	best, bestDistance := "", limit+1
	for _, k := range known {
		if k == "" {
			continue // an allowed empty value is no spelling of anything
		}
		if d := editDistance(strings.ToLower(word), strings.ToLower(k)); d < bestDistance {
			best, bestDistance = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// editDistance is the optimal string alignment distance between a and b: the fewest
// insertions, deletions, substitutions and swaps of two neighbouring letters that
// turn one into the other ("levle" is one swap from "level").
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// d[i][j] is the distance between the first i letters of s and the first j of t.
	d := make([][]int, len(s)+1)
	for i := range d {
		d[i] = make([]int, len(t)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(s); i++ {
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(s)][len(t)]
}
