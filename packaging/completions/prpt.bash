# bash completion for prpt(1).
# Generated from prpt's command tree by packaging/completions_test.go:
# go test ./packaging -run TestCompletionsUpToDate -update. Do not edit.

# _prpt_path_step PATH WORD: the command path after WORD, or nothing.
_prpt_path_step() {
	case "$1|$2" in
	"|parse") echo "parse" ;;
	"|rules") echo "rules" ;;
	"|info") echo "info" ;;
	"|list") echo "list" ;;
	"|query") echo "query" ;;
	"|monitor") echo "monitor" ;;
	"rules|list") echo "rules list" ;;
	"rules|test") echo "rules test" ;;
	esac
}

# _prpt_takes_value PATH FLAG: whether FLAG takes a value under PATH.
_prpt_takes_value() {
	case "$1|$2" in
	'parse|--format' | 'parse|--config' | 'parse|--root') return 0 ;;
	'rules list|--config') return 0 ;;
	'rules test|--config' | 'rules test|--format') return 0 ;;
	'info|--root') return 0 ;;
	'list|--root') return 0 ;;
	esac
	return 1
}

# _prpt_values PATH FLAG CUR: complete the value of FLAG.
_prpt_values() {
	case "$1|$2" in
	'parse|--format') : ;;
	'parse|--config') compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$3")) ;;
	'parse|--root') compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$3")) ;;
	'rules list|--config') compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$3")) ;;
	'rules test|--config') compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$3")) ;;
	'rules test|--format') : ;;
	'info|--root') compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$3")) ;;
	'list|--root') compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$3")) ;;
	esac
}

# _prpt_words PATH CUR: complete a word that is no flag value.
_prpt_words() {
	case "$2" in
	-*)
		case "$1" in
		'') COMPREPLY=($(compgen -W '--help --version -h' -- "$2")) ;;
		'parse') COMPREPLY=($(compgen -W '--config --enrich --format --help --json --root --version -J -h' -- "$2")) ;;
		'rules') COMPREPLY=($(compgen -W '--help --version -h' -- "$2")) ;;
		'rules list') COMPREPLY=($(compgen -W '--config --help --json --version -J -h' -- "$2")) ;;
		'rules test') COMPREPLY=($(compgen -W '--all --config --format --help --version -h' -- "$2")) ;;
		'info') COMPREPLY=($(compgen -W '--help --json --local --root --version -J -h' -- "$2")) ;;
		'list') COMPREPLY=($(compgen -W '--help --json --local --root --version -J -h' -- "$2")) ;;
		'query') COMPREPLY=($(compgen -W '--help --version -h' -- "$2")) ;;
		'monitor') COMPREPLY=($(compgen -W '--help --version -h' -- "$2")) ;;
		esac
		return ;;
	esac
	case "$1" in
	'') COMPREPLY=($(compgen -W 'parse rules info list query monitor' -- "$2")) ;;
	'parse') compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$2")) ;;
	'rules') COMPREPLY=($(compgen -W 'list test' -- "$2")) ;;
	'rules test') compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$2")) ;;
	'info') : ;;
	esac
}

_prpt() {
	local cur=${COMP_WORDS[COMP_CWORD]} path= i w next
	COMPREPLY=()
	# Follow the subcommands before the cursor, skipping flag values
	# ("--flag value", and "--flag = value" as bash splits "--flag=value").
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == -* ]]; then
			if _prpt_takes_value "$path" "$w"; then
				((i++))
				[[ ${COMP_WORDS[i]} == = ]] && ((i++))
			fi
			continue
		fi
		next=$(_prpt_path_step "$path" "$w")
		[[ -n $next ]] && path=$next
	done
	# The value of the flag just before the cursor.
	local prev=${COMP_WORDS[COMP_CWORD-1]}
	[[ $cur == = ]] && cur= && prev=${COMP_WORDS[COMP_CWORD-1]}
	[[ $prev == = && COMP_CWORD -ge 2 ]] && prev=${COMP_WORDS[COMP_CWORD-2]}
	if [[ $prev == -* ]] && _prpt_takes_value "$path" "$prev"; then
		_prpt_values "$path" "$prev" "$cur"
		return
	fi
	_prpt_words "$path" "$cur"
}
complete -F _prpt prpt
