// Placeholder until the line protocol reader lands: counts the non-comment lines on stdin.
var lines = 0;
while (Console.ReadLine() is { } line)
{
    if (line.Length > 0 && line[0] != '#')
    {
        lines++;
    }
}

Console.WriteLine($"{lines} lines");
