# embed.cmake - turns a text file into a C string constant (IN, OUT, NAME).
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE ${OUT}.tmp "/* generated from ${IN}: do not edit */\nconst char ${NAME}[] = {${body}0x00};\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
