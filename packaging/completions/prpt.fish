# fish completion for prpt(1).
# Generated from prpt's command tree by packaging/completions_test.go:
# go test ./packaging -run TestCompletionsUpToDate -update. Do not edit.

# __prpt_path: the command path of the command line before the cursor.
function __prpt_path
	set -l path ''
	set -l words (commandline -opc)
	set -e words[1]
	set -l skip 0
	for w in $words
		if test $skip -eq 1
			set skip 0
			continue
		end
		switch "$path|$w"
			case '|parse'
				set path 'parse'
			case '|rules'
				set path 'rules'
			case '|info'
				set path 'info'
			case '|list'
				set path 'list'
			case '|query'
				set path 'query'
			case '|monitor'
				set path 'monitor'
		end
	end
	echo $path
end

# __prpt_at PATH...: whether the command line is at one of the paths.
function __prpt_at
	contains -- (__prpt_path) $argv
end

complete -c prpt -f
complete -c prpt -n "__prpt_at '' 'parse' 'rules' 'info' 'list' 'query' 'monitor'" -l help -s h -d 'Show context-sensitive help.'
complete -c prpt -n "__prpt_at '' 'parse' 'rules' 'info' 'list' 'query' 'monitor'" -l version -d 'Print the version and exit.'
complete -c prpt -n "__prpt_at ''" -a 'parse' -d 'Parse a saved kernel log into storage events, offline.'
complete -c prpt -n "__prpt_at ''" -a 'rules' -d 'List the rules, or test which rule each line of a log hits.'
complete -c prpt -n "__prpt_at ''" -a 'info' -d 'Show the identity and stack of one block device.'
complete -c prpt -n "__prpt_at ''" -a 'list' -d 'List the top-level block devices.'
complete -c prpt -n "__prpt_at ''" -a 'query' -d 'Query stored storage events.'
complete -c prpt -n "__prpt_at ''" -a 'monitor' -d 'Follow storage events as they happen.'
