# nodata.gp - the figure's area when it has no data: the reason, never a zero.
# Expects `nodata` (the reason) and `title_text`.
unset key
unset tics
unset border
unset grid
set title title_text
set xrange [0:1]
set yrange [0:1]
set label 1 'no data: '.nodata at graph 0.5, graph 0.5 center font ',13' textcolor rgb '#aa3333'
plot NaN notitle
