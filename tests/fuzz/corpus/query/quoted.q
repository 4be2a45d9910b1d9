"say \"hi\" \\ now" "C:\\path"
said \"hi\" to C:\\path
